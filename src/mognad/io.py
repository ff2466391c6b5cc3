"""Writing outputs so that a failed job leaves nothing half-written, and reading them back.

Each file is written to a temporary name in the same folder and renamed into place only
after every output of the job has been computed, so an error never leaves a partial file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

#: How CSV outputs are written, so that two runs give identical bytes.
CSV_OPTIONS = {"index": False, "lineterminator": "\n", "encoding": "utf-8"}


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> None:
    """Call ``write`` on a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False, compression="zstd"))


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    write_atomic(path, lambda tmp: frame.to_csv(tmp, **CSV_OPTIONS))


def read_csv_table(path: str | Path, dtypes: dict[str, str]) -> pd.DataFrame:
    """Read a CSV this package wrote, with its column types restored."""
    return pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])
