"""The year-over-year decomposition as linear weights on organisation values.

With the organisations of two consecutive years fixed, each part of the change
decomposition (:func:`mognad.analyses.trends.decompose_change`) is a weighted sum of the
organisations' values. Kept light (pandas only), since both the trend analysis and the
disclosure audit use it.
"""

from __future__ import annotations

import pandas as pd


def group_weights(index: pd.Index, members: pd.Index, weight: float) -> pd.Series:
    """``weight / |members|`` on ``members`` and 0 elsewhere: the weights of a mean times
    ``weight``."""
    out = pd.Series(0.0, index=index)
    if len(members):
        out[members] = weight / len(members)
    return out


def part_weights(prev: pd.Index, now: pd.Index) -> dict[str, tuple[pd.Series, pd.Series]]:
    """Each part of the decomposition as weights on the organisation values of t-1 and t.

    With the membership of both years fixed every part is a linear combination of the
    organisation values, sum_i w_i y_i(t-1) + sum_i v_i y_i(t);
    :func:`mognad.analyses.trends._decompose_pair` gives the formulas. The weights give the parts'
    standard errors (:func:`mognad.analyses.trends._part_standard_errors`) and the disclosure
    audit's constraints (:func:`mognad.publish.audit.audit_changes`).
    """
    stay = prev.intersection(now)
    joiners, leavers = now.difference(prev), prev.difference(now)
    cross = (group_weights(prev, prev, -1.0), group_weights(now, now, 1.0))
    if len(stay) == 0:
        zero = (pd.Series(0.0, index=prev), pd.Series(0.0, index=now))
        return {"cross_sectional": cross, "within": zero, "composition": cross, "interaction": zero}
    p0, p1 = len(stay) / len(prev), len(stay) / len(now)
    p = (p0 + p1) / 2
    within = (group_weights(prev, stay, -p), group_weights(now, stay, p))
    composition = (
        group_weights(prev, leavers, -(1 - p0)) + group_weights(prev, stay, 1 - p0),
        group_weights(now, joiners, 1 - p1) - group_weights(now, stay, 1 - p1),
    )
    interaction = tuple(c - w - k for c, w, k in zip(cross, within, composition, strict=True))
    return {
        "cross_sectional": cross,
        "within": within,
        "composition": composition,
        "interaction": interaction,
    }
