"""A fitted model as data: what fitting hands to publishing, and back from its two tables.

Apart from :mod:`mognad.analyses.models` so that the stages reading fitted models (the
gate, the report) need neither statsmodels nor a rerun when the fitting code changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class ModelResult:
    """One fitted model: tidy coefficients plus model-level statistics."""

    name: str
    spec: dict[str, Any]
    coefficients: pd.DataFrame
    fit: dict[str, Any] = field(default_factory=dict)


def model_outputs(result: ModelResult) -> dict[str, pd.DataFrame]:
    """The two tables of a model, keyed by file stem: ``<name>`` (coefficients) and
    ``<name>_fit`` (one ``statistic, value`` row per model-level figure)."""
    fit = pd.DataFrame({"statistic": list(result.fit), "value": list(result.fit.values())})
    return {result.name: result.coefficients.copy(), f"{result.name}_fit": fit}


def _parsed(value: Any) -> Any:
    """A fit-table value read back from CSV: missing as NaN, booleans, numbers, text."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    text = str(value)
    if text in ("True", "False"):
        return text == "True"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def read_model(name: str, coefficients: pd.DataFrame, fit: pd.DataFrame) -> ModelResult:
    """A model back from its two tables (:func:`model_outputs`), as the publishing stage
    reads the fitted models."""
    record = {str(k): _parsed(v) for k, v in zip(fit["statistic"], fit["value"], strict=True)}
    return ModelResult(name, {}, coefficients.copy(), record)
