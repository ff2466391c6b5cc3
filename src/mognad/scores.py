"""Scores from canonical answers: categories, dimensions and maturity on a 0-100 % scale."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mognad.instrument import Instrument


def to_percent(mean_on_scale: pd.Series | np.ndarray, instrument: Instrument):
    """Map a mean on the answer scale (1-5) to 0-100 %: (mean - min) / (max - min) * 100."""
    span = instrument.scale_max - instrument.scale_min
    return (mean_on_scale - instrument.scale_min) / span * 100.0


def keyed_answers(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Answers as floats (NaN = Vet ej or unanswered) with reverse-keyed items flipped."""
    ids = instrument.item_ids()
    values = responses[ids].astype("float64")
    flip = [i for i in ids if instrument.item(i).reverse]
    values[flip] = instrument.scale_min + instrument.scale_max - values[flip]
    return values


def respondent_scores(
    responses: pd.DataFrame, instrument: Instrument, min_answered_share: float = 0.5
) -> pd.DataFrame:
    """Category, dimension and maturity scores (%) per response row.

    A category score is the mean of its answered items, and only exists when at least
    ``min_answered_share`` of the category's items in that response's instrument revision
    were answered; a dimension is the mean of its existing category scores, maturity the
    mean of the two dimensions.
    """
    values = keyed_answers(responses, instrument)
    revision = responses["instrument_revision"].to_numpy()
    out = pd.DataFrame(index=responses.index)
    for category in instrument.categories:
        ids = instrument.category_items(category)
        answered = values[ids].notna().sum(axis=1).to_numpy()
        asked = np.zeros(len(responses))
        for rev in instrument.revisions:
            asked[revision == rev] = len(instrument.category_items(category, rev))
        mean = values[ids].mean(axis=1).to_numpy()
        enough = answered >= min_answered_share * asked
        out[category] = to_percent(np.where(enough & (answered > 0), mean, np.nan), instrument)
    for dimension in instrument.dimensions:
        out[dimension] = out[instrument.dimension_categories(dimension)].mean(axis=1)
    out["maturity"] = out[list(instrument.dimensions)].mean(axis=1, skipna=False)
    return out
