"""Writing outputs so that a failed job leaves nothing half-written, and reading them back.

Each file is written to a temporary name in the same folder and renamed into place only
after every output of the job has been computed, so an error never leaves a partial file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from mognad.files import write_atomic

__all__ = ["write_atomic"]

#: How CSV outputs are written, so that two runs give identical bytes.
CSV_OPTIONS = {"index": False, "lineterminator": "\n", "encoding": "utf-8"}


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False, compression="zstd"))


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    write_atomic(path, lambda tmp: frame.to_csv(tmp, **CSV_OPTIONS))


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
