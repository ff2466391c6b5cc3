"""Logging for workflow jobs: everything a job says goes to its Snakemake log file."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def job_log(path: str | Path, name: str) -> Iterator[logging.Logger]:
    """Log to ``path`` for the duration of a job; a failure is logged before it propagates."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger(f"mognad.{name}")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield logger
    except Exception as err:
        logger.error("%s", err)
        raise
    finally:
        logger.removeHandler(handler)
        handler.close()
