"""Writing outputs so that a failed job leaves nothing half-written, and reading them back.

Each file is written to a temporary name in the same folder and renamed into place only
after every output of the job has been computed, so an error never leaves a partial file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mognad.files import write_atomic

__all__ = ["write_atomic"]

#: How CSV outputs are written, so that two runs give identical bytes.
CSV_OPTIONS = {"index": False, "lineterminator": "\n", "encoding": "utf-8"}


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False, compression="zstd"))


#: Significant digits of published values. Enough for any reported figure, and well above
#: what varies between CPUs: numbers that come from optimisers or BLAS differ between
#: machines from about the tenth digit on (docs/reproducing.md).
SIGNIFICANT_DIGITS = 6


def _round_values(values: np.ndarray, digits: int) -> np.ndarray:
    finite = np.isfinite(values) & (values != 0)
    magnitude = np.zeros_like(values)
    magnitude[finite] = np.floor(np.log10(np.abs(values[finite])))
    scale = 10.0 ** (digits - 1 - magnitude)
    return np.where(finite, np.round(values * scale) / scale, values)


def round_significant(table: pd.DataFrame, digits: int = SIGNIFICANT_DIGITS) -> pd.DataFrame:
    """Floats rounded to ``digits`` significant digits (NaN stays NaN), also the floats of
    mixed columns (a fit record's ``value``)."""
    out = table.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = _round_values(out[column].to_numpy(dtype="float64"), digits)
        elif out[column].dtype == object:
            is_float = out[column].map(lambda v: isinstance(v, float | np.floating))
            if is_float.any():
                floats = out.loc[is_float, column].to_numpy(dtype="float64")
                rounded = _round_values(floats, digits)
                column_values = out[column].to_numpy(dtype=object, copy=True)
                column_values[is_float.to_numpy()] = [float(v) for v in rounded]
                out[column] = column_values
    return out


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    write_atomic(path, lambda tmp: frame.to_csv(tmp, **CSV_OPTIONS))


def write_published_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a published table with its floats at the published precision."""
    write_csv(round_significant(frame), path)


def read_csv_table(path: str | Path, dtypes: dict[str, str]) -> pd.DataFrame:
    """Read a CSV this package wrote, with its column types restored."""
    return pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a table this package wrote, by its extension (parquet keeps exact types)."""
    path = Path(path)
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a table by its extension: parquet for data, CSV for published tables."""
    (write_parquet if Path(path).suffix == ".parquet" else write_csv)(frame, path)


def write_tables(tables: Mapping[str, pd.DataFrame], paths: Mapping[str, str | Path]) -> None:
    """Write each named table to the path of the same name (a job's named outputs)."""
    for name, table in tables.items():
        write_table(table, paths[name])


def concat_tables(paths: list[str | Path]) -> pd.DataFrame:
    """Stack per-year tables in the order given (the workflow lists years in order)."""
    return pd.concat([read_table(p) for p in paths], ignore_index=True)


def as_float(value: Any) -> float:
    """``value`` as a float; NaN where it is none (missing, text), as tables read back."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")
