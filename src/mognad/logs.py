"""Logging for workflow jobs: everything a job says goes to its Snakemake log file.

A problem with the inputs (:class:`mognad.errors.InputError`) is a message for the
person running the workflow: it is printed as the check prints it, with a pointer to
``bash dev.sh check``, and the job ends without a Python traceback; the traceback goes
to the job's log, for developers. Any other failure is a bug and propagates.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mognad.errors import InputError, format_problems

#: Printed under an input problem met during a run.
CHECK_HINT = (
    "Check an export with `bash dev.sh check YEAR` (it lists every problem at once); "
    "the job's log has the details."
)


@contextmanager
def job_log(
    path: str | Path, name: str, exit_on_input_error: bool = True
) -> Iterator[logging.Logger]:
    """Log to ``path`` for the duration of a job; a failure is logged before it propagates.
    ``exit_on_input_error``: end the process on an input problem (a job's own process);
    false for jobs run inside Snakemake's process, where the error propagates."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger(f"mognad.{name}")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield logger
    except InputError as err:
        logger.error("input problem", exc_info=True)
        if not exit_on_input_error:
            raise
        print(f"{format_problems(err.problems)}\n{CHECK_HINT} ({path})", file=sys.stderr)
        raise SystemExit(1) from None
    except Exception:
        logger.exception("failed")
        raise
    finally:
        logger.removeHandler(handler)
        handler.close()
