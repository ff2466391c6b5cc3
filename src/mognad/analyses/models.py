"""Regression models declared in ``config.yaml`` → ``models``: adding one is configuration.

Three kinds, each answering "what goes with higher maturity?" under a different assumption:

* ``ols``: ordinary least squares with cluster-robust (CR1) standard errors by organisation,
  because an organisation's repeated years (or its respondents) are not independent.
  statsmodels' small-sample factor G/(G-1)·(N-1)/(N-K) is used, and p-values and intervals
  use a t distribution with G-1 degrees of freedom (G = organisations), which keeps the
  nominal coverage honest when there are only a few dozen organisations.
* ``mixed``: a linear mixed model (statsmodels MixedLM) with random intercepts for
  organisations, fitted by REML with BFGS, Powell as fallback (see MIXED_OPTIMISERS).
  With ``nested`` (e.g. ``municipality_id``) the nested unit is the grouping factor with its
  own random intercept and organisations are a variance component within it
  (``vc_formula={"org": "0 + C(org_id)"}``). Organisations without a nested unit (regions and
  state agencies have no municipality) form their own top-level group, so they contribute to
  the organisation variance only. Convergence warnings and boundary fits (a variance near
  zero, or a Hessian that is not positive definite) are reported in the fit table, not raised.
  Fixed-effect standard errors are those of the fixed-effects block, Cov(β̂) = (XᵀV̂⁻¹X)⁻¹
  with V̂ = σ̂²I + ZΨ̂Zᵀ at the REML variance estimates (a variance at the boundary counted
  as the 0 reported), as lme4's ``vcov`` gives them (:func:`mixed_fixed_effect_cov`).
  statsmodels instead takes them from the inverse of the joint Hessian of fixed effects and
  variance parameters, whose cross terms vanish only in expectation; near a boundary, where
  the variance curvature is flat, that misstates them (the demo model's up to 3 % too large,
  a simulated singular fit's up to 6 % too small). lme4 uses the block for every fit, so
  this does too, not only at a boundary.
* ``fixed_effects``: the within estimator. The outcome and the formula's regressors (the
  design matrix without intercept) are demeaned by organisation and fitted by OLS. Terms that
  do not vary within organisations drop out and are listed as ``dropped``; organisations
  observed once are left out (see :func:`within_fit`, also used by the trends). Standard errors
  are CR1 by organisation with factor G/(G-1)·(N-1)/(N-K), K = the remaining slopes: the
  absorbed organisation effects are *not* counted, because they are nested within the
  clusters (Cameron & Miller 2015, §IV; Stata ``xtreg, fe vce(cluster)``); counting them would
  inflate the standard errors by about sqrt(T/(T-1)) with T years per organisation.

``fit_model`` returns a :class:`ModelResult` with a tidy coefficient table and a fit record;
``model_outputs`` gives the two tables written as ``results/models/<name>.csv`` and
``results/models/<name>_fit.csv``; ``regression_table`` sets several models side by side.

Long because the three kinds share the design matrix, the clustering and the tidy tables.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import patsy
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from mognad.analyses.modelresult import ModelResult
from mognad.indices.scores import Method, aligned_scores, respondent_scores, score_columns
from mognad.instrument import Instrument
from mognad.outputs import COEFFICIENT_COLUMNS

#: Organisation attributes carried from the responses to the organisation-year frame.
ORG_ATTRIBUTES = ["employees", "municipality_id", "county"]
#: Respondent attributes carried next to the respondent scores.
RESPONDENT_ATTRIBUTES = [
    "year",
    "org_id",
    "sector",
    "org_type",
    "municipality_id",
    "employees",
    "role",
]
#: Optimisers for MixedLM, tried in order until one converges. L-BFGS was the intended
#: choice, but with this statsmodels/scipy stack it stops at the start values (intercept 0,
#: group variance 0) while reporting convergence, on data where BFGS recovers the planted
#: values. BFGS fits the organisation model on the demo data in ~2 s; on the nested model it
#: stalls when the municipality variance sits at zero, where derivative-free Powell converges
#: (~2 s). The optimiser used is recorded in the fit table (``estimation``).
MIXED_OPTIMISERS = ("bfgs", "powell")
#: A variance below this share of the total counts as a boundary fit.
BOUNDARY_SHARE = 1e-4


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable string columns as object, so patsy treats them as ordinary categoricals."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.StringDtype):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def model_frame(
    level: str,
    org_scores: pd.DataFrame,
    responses: pd.DataFrame,
    instrument: Instrument,
    method: Method | None = None,
    scores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The rows a model of the given level is fitted on (``scores``: the stored respondent
    scores, computed under ``method`` when not given).

    ``organisation``: organisation-year scores joined with the organisation's size and place
    (first value per organisation-year in the responses; they are register attributes).
    ``respondent``: each response's scores with its organisation's attributes and role.
    """
    if level == "organisation":
        attrs = (
            responses.groupby(["year", "org_id"], sort=False, observed=True)[ORG_ATTRIBUTES]
            .first()
            .reset_index()
        )
        frame = org_scores.merge(attrs, on=["year", "org_id"], how="left", validate="1:1")
    elif level == "respondent":
        if scores is None:
            values = respondent_scores(responses, instrument, method)
        else:
            values = aligned_scores(scores, responses, score_columns(instrument))
        frame = pd.concat([responses[RESPONDENT_ATTRIBUTES], values], axis=1)
    else:
        raise ValueError(f"unknown model level {level!r}; use organisation or respondent")
    frame = _plain(frame.reset_index(drop=True))
    frame["year"] = frame["year"].astype("int64")
    return frame


def _design(formula: str, frame: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Outcome and design matrix with incomplete rows dropped (index kept for alignment)."""
    y, x = patsy.dmatrices(formula, frame, return_type="dataframe", NA_action="drop")
    return y.iloc[:, 0], x


def reference_levels(formula: str, frame: pd.DataFrame) -> str:
    """``sector=central_admin;year=2018``: each ``C(...)`` factor's reference level, the
    first of its sorted levels among the complete rows (patsy's default treatment coding),
    so that tables and text can name what a dummy is compared with."""
    y, _ = _design(formula, frame)
    rows = frame.loc[y.index]
    parts = []
    for variable in re.findall(r"C\((\w+)\)", formula.split("~", 1)[-1]):
        levels = sorted(rows[variable].dropna().unique())
        if levels:
            parts.append(f"{variable}={levels[0]}")
    return ";".join(parts)


def term_support(formula: str, frame: pd.DataFrame, level: str) -> pd.DataFrame:
    """``term, n_orgs, n_respondents``: for each column of the design, the distinct
    organisations and the respondents of the rows where it is non-zero.

    A sector's dummy rests on that sector's organisations only: with two of them, its
    coefficient is their own (adjusted) result, so the publishing stage hides it like any
    small cell. Columns that are non-zero everywhere (intercept, size) rest on all.
    Organisation-level rows count their ``n_respondents`` (one each where the frame lacks
    them: a lower bound, so the rule errs towards hiding); respondent-level rows one each.
    """
    y, x = _design(formula, frame)
    rows = frame.loc[y.index]
    weight = np.ones(len(rows))  # a row is one respondent, or at least one
    if level == "organisation" and "n_respondents" in rows:
        weight = rows["n_respondents"].fillna(1).to_numpy(dtype=float)
    codes, _ = pd.factorize(rows["org_id"])
    used = x.to_numpy() != 0
    n_orgs = [int(np.unique(codes[used[:, j]]).size) for j in range(used.shape[1])]
    return pd.DataFrame(
        {
            "term": list(x.columns),
            "n_orgs": n_orgs,
            "n_respondents": (weight @ used).astype("int64"),
        }
    )


def _tidy(terms, estimate, std_error, df: float | None, level: float = 0.95) -> pd.DataFrame:
    """Coefficient table from estimates and SEs; t(df) intervals, or normal when df is None."""
    estimate = np.asarray(estimate, dtype=float)
    std_error = np.asarray(std_error, dtype=float)
    dist = stats.norm if df is None else stats.t(df)
    crit = dist.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * dist.sf(np.abs(estimate / std_error))
    return pd.DataFrame(
        {
            "term": list(terms),
            "estimate": estimate,
            "std_error": std_error,
            "ci_low": estimate - crit * std_error,
            "ci_high": estimate + crit * std_error,
            "p_value": p,
        }
    )


def cluster_cov(x: np.ndarray, resid: np.ndarray, groups: np.ndarray, k: int) -> np.ndarray:
    """CR1 sandwich (XᵀX)⁻¹ (Σ_g X_gᵀu_g u_gᵀX_g) (XᵀX)⁻¹ · G/(G-1) · (N-1)/(N-K)."""
    n = len(resid)
    codes, _ = pd.factorize(groups)
    g = codes.max() + 1
    scores = np.zeros((g, x.shape[1]))
    np.add.at(scores, codes, x * resid[:, None])
    bread = np.linalg.pinv(x.T @ x)
    factor = g / (g - 1) * (n - 1) / (n - k)
    return factor * bread @ (scores.T @ scores) @ bread


def _independent(x: pd.DataFrame, candidates: list[str]) -> tuple[list[str], list[str]]:
    """Columns kept in order while they add rank; the rest are aliased (dropped)."""
    kept: list[str] = []
    dropped: list[str] = []
    for column in candidates:
        trial = x[[*kept, column]].to_numpy()
        tol = 1e-9 * max(1.0, np.abs(trial).max()) * np.sqrt(len(trial))
        (kept if np.linalg.matrix_rank(trial, tol=tol) > len(kept) else dropped).append(column)
    return kept, dropped


def _fit_ols(spec: Mapping[str, Any], frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    y, x = _design(spec["formula"], frame)
    kept, dropped = _independent(x, list(x.columns))
    x = x[kept]
    groups = frame.loc[y.index, "org_id"].to_numpy()
    n_groups = int(pd.Series(groups).nunique())
    res = sm.OLS(y, x).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(groups)[0]}, use_t=True
    )
    coefs = _tidy(x.columns, res.params, res.bse, df=n_groups - 1)
    fit = {
        "n": int(res.nobs),
        "n_groups": n_groups,
        "r_squared": float(res.rsquared),
        "adj_r_squared": float(res.rsquared_adj),
        "log_likelihood": float(res.llf),
        "aic": float(res.aic),
        "bic": float(res.bic),
        "converged": True,
        "boundary": False,
        "dropped": ";".join(dropped),
    }
    return coefs, fit


def within_fit(
    y: pd.Series, x: pd.DataFrame, groups: np.ndarray, level: float = 0.95
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The within (organisation fixed-effects) estimator, shared by models and trends.

    Organisations seen once are left out first: demeaning makes their row zero, so they add
    nothing to the estimate but would still be counted in N and G of the small-sample factor
    and make the standard errors too small (Correia 2015, as ``reghdfe``). Terms without
    within-organisation variation, then any left linearly dependent, are dropped.
    """
    codes = pd.factorize(groups)[0]
    repeated = np.bincount(codes)[codes] > 1
    singletons = int(np.unique(codes[~repeated]).size)
    y, x, codes = y[repeated], x[repeated], pd.factorize(codes[repeated])[0]
    yw = y - y.groupby(codes).transform("mean")
    xw = x - x.groupby(codes).transform("mean")
    scale = np.maximum(x.abs().max(), 1.0)
    dropped = [c for c in x.columns if np.sqrt((xw[c] ** 2).mean()) <= 1e-10 * scale[c]]
    kept, aliased = _independent(xw, [c for c in xw.columns if c not in dropped])
    dropped += aliased
    xm, ym = xw[kept].to_numpy(), yw.to_numpy()
    n, k, g = len(ym), len(kept), int(codes.max(initial=-1) + 1)
    beta = np.linalg.lstsq(xm, ym, rcond=None)[0] if k else np.zeros(0)
    resid = ym - xm @ beta
    usable = k and g > 1
    cov = cluster_cov(xm, resid, codes, k) if usable else np.full((k, k), np.nan)
    coefs = _tidy(kept, beta, np.sqrt(np.diag(cov)), df=g - 1 if g > 1 else None, level=level)
    fit = {
        "n": n,
        "n_groups": g,
        "r_squared": float(1 - resid @ resid / (ym @ ym)) if n else np.nan,
        "r_squared_kind": "within",
        "residual_variance": float(resid @ resid / max(n - g - k, 1)),
        "converged": True,
        "boundary": False,
        "dropped": ";".join(map(str, dropped)),
        "warnings": f"{singletons} organisations observed once left out" if singletons else "",
    }
    return coefs, fit


def _fit_fixed_effects(spec: Mapping[str, Any], frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    y, x = _design(spec["formula"], frame)
    x = x.drop(columns=[c for c in x.columns if c == "Intercept"])
    return within_fit(y, x, frame.loc[y.index, "org_id"].to_numpy())


def variance_interval(
    variance: float, std_error: float, boundary: bool, level: float = 0.95
) -> tuple[float, float]:
    """Wald interval for a variance component on the log scale, v * exp(+-z se / v).

    A variance is skewed and bounded by zero, so a symmetric interval would cross zero; the
    log scale keeps the interval positive and is close to the profile-likelihood interval
    once there are a few dozen groups (checked by simulation in the tests). For a fit at
    the boundary (any variance near zero) there is no usable curvature and the interval
    is NaN: the fit table's ``boundary`` says why.
    """
    if boundary or not np.isfinite(std_error) or variance <= 0 or std_error <= 0:
        return (np.nan, np.nan)
    half = stats.norm.ppf(0.5 + level / 2) * std_error / variance
    return (variance * float(np.exp(-half)), variance * float(np.exp(half)))


def residual_variance_interval(
    variance: float, df: int, level: float = 0.95
) -> tuple[float, float]:
    """Chi-square interval for the residual variance, df = observations - organisations.

    Exact for the balanced one-way model (the REML residual variance is then the within
    mean square); with millions of degrees of freedom nothing else matters.
    """
    if df < 1 or not np.isfinite(variance):
        return (np.nan, np.nan)
    alpha = 1 - level
    return (
        df * variance / float(stats.chi2.ppf(1 - alpha / 2, df)),
        df * variance / float(stats.chi2.ppf(alpha / 2, df)),
    )


def _group_sums(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Column sums of ``values`` per group code (bincount: three times faster than add.at)."""
    return np.stack(
        [np.bincount(codes, weights=column, minlength=n_groups) for column in values.T], axis=1
    )


def mixed_fixed_effect_cov(
    x: np.ndarray,
    org_codes: np.ndarray,
    top_codes: np.ndarray,
    var_org: float,
    var_nested: float,
    var_residual: float,
) -> np.ndarray:
    """Cov(β̂) = (XᵀV⁻¹X)⁻¹ of a two-level random-intercept model, without forming V.

    Rows share a top-level group (``top_codes``: the nested unit, or the organisation itself
    in the organisation-only model, then with ``var_nested`` 0) and, within it, an
    organisation (``org_codes``; blocks are (group, organisation) pairs, as statsmodels'
    variance components live within groups). Per group V_g = σ²I + τ_n·11ᵀ + τ_o·blockdiag(11ᵀ).
    Two Sherman–Morrison steps give XᵀV⁻¹X in closed form, written as sums of centred
    squares so nothing cancels when the groups are large: with n_o rows, mean x̄_o and weight
    a_o = n_o / (σ² + n_o τ_o) per organisation, s_g = Σ a_o and m_g = Σ a_o x̄_o / s_g,

        XᵀV⁻¹X = Σ (x_i − x̄_o)(x_i − x̄_o)ᵀ / σ²  +  Σ_o a_o (x̄_o − m_g)(x̄_o − m_g)ᵀ
                 +  Σ_g s_g / (1 + τ_n s_g) · m_g m_gᵀ.

    Linear in the rows: about 40 ms for 10⁵ rows and 16 columns.
    """
    x = np.asarray(x, dtype=float)
    top = pd.factorize(np.asarray(top_codes))[0].astype(np.int64)
    org = pd.factorize(np.asarray(org_codes))[0].astype(np.int64)
    block = pd.factorize(top * (org.max(initial=0) + 1) + org)[0]
    n_blocks, n_top = int(block.max(initial=-1)) + 1, int(top.max(initial=-1)) + 1
    block_top = np.zeros(n_blocks, dtype=np.int64)
    block_top[block] = top
    n_rows = np.bincount(block, minlength=n_blocks).astype(float)
    mean_block = _group_sums(x, block, n_blocks) / n_rows[:, None]
    within = x - mean_block[block]
    weight = n_rows / (var_residual + n_rows * var_org)
    weight_top = np.bincount(block_top, weights=weight, minlength=n_top)
    mean_top = _group_sums(weight[:, None] * mean_block, block_top, n_top) / weight_top[:, None]
    between = mean_block - mean_top[block_top]
    shrunk = weight_top / (1 + var_nested * weight_top)
    info = (
        within.T @ within / var_residual
        + (weight[:, None] * between).T @ between
        + (shrunk[:, None] * mean_top).T @ mean_top
    )
    return np.asarray(np.linalg.pinv(info, hermitian=True))


#: How the mixed models' fixed-effect standard errors are computed (fit table ``fe_std_error``).
FE_STD_ERROR = "fixed-effects block (X'V^-1X)^-1 at the REML variances, as lme4"


def _fit_mixed(spec: Mapping[str, Any], frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    y, _ = _design(spec["formula"], frame)
    data = frame.loc[y.index].copy()
    nested = spec.get("nested")
    if nested:
        # Organisations without a nested unit are their own top-level group.
        data["_group"] = data[nested].where(data[nested].notna(), "org:" + data["org_id"])
        model = smf.mixedlm(
            spec["formula"],
            data,
            groups="_group",
            re_formula="1",
            vc_formula={"org": "0 + C(org_id)"},
        )
    else:
        model = smf.mixedlm(spec["formula"], data, groups="org_id")
    messages: list[str] = []
    for optimiser in MIXED_OPTIMISERS:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = model.fit(reml=True, method=optimiser)
        # statsmodels also files boundary notes under ConvergenceWarning; those are boundary.
        convergence_warning = any(
            issubclass(w.category, ConvergenceWarning)
            and ("converge" in str(w.message) or "failed" in str(w.message))
            for w in caught
        )
        if res.converged and not convergence_warning:
            break
        messages.append(f"{optimiser} did not converge")
    messages += sorted({str(w.message).split("\n")[0] for w in caught})
    group_var = float(res.cov_re.iloc[0, 0])
    var_residual = float(res.scale)
    if nested:
        var_org, var_nested = float(res.vcomp[0]), group_var
    else:
        var_org, var_nested = group_var, np.nan
    total = var_org + np.nan_to_num(var_nested) + var_residual
    fe = res.fe_params.index
    hessian_ok = bool(np.all(np.isfinite(res.bse)) and np.all(np.asarray(res.bse) > 0))
    try:
        hess = model.hessian(res.params_object)[0]
        hessian_ok = hessian_ok and bool(np.all(np.linalg.eigvalsh(-hess) > 0))
    except Exception as err:  # any failure: Hessian unusable
        messages.append(f"hessian: {err}")
        hessian_ok = False
    variances = [var_org] if not nested else [var_org, var_nested]
    floor = BOUNDARY_SHARE * total
    near_zero = any(v < floor for v in variances)
    # A variance at the boundary is reported as 0, as lme4 reports a singular fit: where the
    # optimiser stopped below the floor is noise of its stopping point, and differs by CPU.
    var_org, var_nested = (0.0 if v < floor else v for v in (var_org, var_nested))
    total = var_org + np.nan_to_num(var_nested) + var_residual
    cov = mixed_fixed_effect_cov(
        model.exog,
        data["org_id"].to_numpy(),
        data["_group" if nested else "org_id"].to_numpy(),
        var_org,
        float(np.nan_to_num(var_nested)),
        var_residual,
    )
    coefs = _tidy(fe, res.fe_params, np.sqrt(np.diag(cov)), df=None)
    names = {"organisation": var_org, **({str(nested): var_nested} if nested else {})}
    messages += [
        f"{name} variance at the boundary, fixed at 0: the model is in effect the one without it"
        for name, variance in names.items()
        if variance == 0.0
    ]
    # statsmodels' variance parameters are relative to the residual variance (cov_re/scale,
    # vcomp/scale): their standard errors times scale are those of the variances.
    relative_se = np.sqrt(np.diag(res.cov_params().to_numpy())[len(fe) :]) * var_residual
    se_group = float(relative_se[0]) if len(relative_se) else np.nan
    se_vc = float(relative_se[1]) if len(relative_se) > 1 else np.nan
    se_org, se_nested = (se_vc, se_group) if nested else (se_group, np.nan)
    intervals = {
        "var_organisation": variance_interval(var_org, se_org, var_org < floor or not hessian_ok),
        "var_nested": variance_interval(var_nested, se_nested, var_nested < floor or not hessian_ok)
        if nested
        else (np.nan, np.nan),
        "var_residual": residual_variance_interval(
            var_residual, int(res.nobs) - int(data["org_id"].nunique())
        ),
    }
    fit = {
        "n": int(res.nobs),
        "n_groups": int(data["org_id"].nunique()),
        "n_nested": int(data["_group"].nunique()) if nested else np.nan,
        "log_likelihood": float(res.llf),
        "aic": np.nan,
        "bic": np.nan,
        "converged": bool(res.converged) and not convergence_warning,
        "boundary": bool(near_zero or not hessian_ok),
        "hessian_pd": hessian_ok,
        "var_organisation": var_org,
        "var_nested": var_nested,
        "var_residual": var_residual,
        **{
            f"{name}_{side}": bound
            for name, bounds in intervals.items()
            for side, bound in zip(("ci_low", "ci_high"), bounds, strict=True)
        },
        "icc_organisation": (var_org + np.nan_to_num(var_nested)) / total,
        "icc_nested": var_nested / total if nested else np.nan,
        "estimation": f"REML, {optimiser}",
        "fe_std_error": FE_STD_ERROR,
        "warnings": "; ".join(messages),
    }
    return coefs, fit


FITTERS = {"ols": _fit_ols, "mixed": _fit_mixed, "fixed_effects": _fit_fixed_effects}


NOT_FITTED = "not fitted: fewer than two organisations in the sample"


def fit_model(name: str, spec: Mapping[str, Any], frame: pd.DataFrame) -> ModelResult:
    """Fit one declared model on its frame (``sample`` applied here) and tidy the result.

    Warnings raised while fitting are collected into the fit record rather than lost.
    """
    if spec["kind"] not in FITTERS:
        raise ValueError(f"model {name}: unknown kind {spec['kind']!r}")
    data = frame.query(spec["sample"]) if spec.get("sample") else frame
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if data["org_id"].nunique() < 2:  # no clustering, no random effects, no within
            coefs = pd.DataFrame(columns=COEFFICIENT_COLUMNS)
            fit: dict[str, Any] = {"n": len(data), "converged": False, "warnings": NOT_FITTED}
        else:
            coefs, fit = FITTERS[spec["kind"]](spec, data)
            support = term_support(spec["formula"], data, spec["level"])
            coefs = coefs.merge(support, on="term", how="left", validate="1:1")
            fit["reference"] = reference_levels(spec["formula"], data)
    other = sorted({str(w.message).split("\n")[0] for w in caught})
    fit["warnings"] = "; ".join(filter(None, [fit.get("warnings", ""), *other]))
    record = {
        "model": name,
        "kind": spec["kind"],
        "level": spec["level"],
        "formula": spec["formula"],
        "sample": spec.get("sample", ""),
        "nested": spec.get("nested", ""),
    }
    record |= {
        "n": None,
        "n_groups": None,
        "r_squared": np.nan,
        "log_likelihood": np.nan,
        "aic": np.nan,
        "bic": np.nan,
        "converged": None,
        "boundary": None,
        "warnings": "",
        "dropped": "",
    }
    record |= fit  # no timings here: the fit table must be identical across runs
    return ModelResult(name, dict(spec), coefs[COEFFICIENT_COLUMNS], record)


def fit_all(
    specs: Mapping[str, Mapping[str, Any]],
    org_scores: pd.DataFrame,
    responses: pd.DataFrame,
    instrument: Instrument,
    method: Method | None = None,
    scores: pd.DataFrame | None = None,
) -> dict[str, ModelResult]:
    """Fit every declared model; each level's frame is built once."""
    frames: dict[str, pd.DataFrame] = {}
    results = {}
    for name, spec in specs.items():
        level = spec["level"]
        if level not in frames:
            frames[level] = model_frame(level, org_scores, responses, instrument, method, scores)
        results[name] = fit_model(name, spec, frames[level])
    return results
