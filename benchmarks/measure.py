"""Wall time and peak memory of a command and all its child processes (Linux /proc)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    wall_seconds: float
    peak_rss_bytes: int
    returncode: int
    stdout: str
    stderr: str


def children() -> dict[int, list[int]]:
    """Every running process's children, by parent id (one pass over /proc)."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def rss(pid: int) -> int:
    """Resident memory of one process in bytes (0 once it has ended)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(root: int) -> int:
    """Resident memory of ``root`` and every descendant, in bytes."""
    tree, total, todo = children(), 0, [root]
    while todo:
        pid = todo.pop()
        total += rss(pid)
        todo.extend(tree.get(pid, []))
    return total


def measure(
    command: list[str], cwd: str | os.PathLike | None = None, every: float = 0.1
) -> Measurement:
    """Run ``command``; sample the process tree's total resident memory every ``every`` s."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(process.pid))
            time.sleep(every)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    done.set()
    sampler.join()
    return Measurement(time.perf_counter() - start, peak, process.returncode, stdout, stderr)


def busy_cpu_seconds() -> float:
    """CPU time the whole machine has spent busy since boot (all processes, all cores), so
    that a benchmark can tell how much of the machine other work used while it ran."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


GIB = 1024**3


def report(
    rows: list[tuple[str, float, int, float | None]], out: Path, memory_gib: float = 4
) -> int:
    """Print (name, seconds, peak bytes, target seconds or None) rows with a verdict per
    target, save them as JSON in ``out``, and return 0 when every target holds."""
    width = max(len(r[0]) for r in rows) + 2
    print(f"\n{'what':{width}} {'wall s':>8} {'peak GiB':>9}  target")
    met = True
    for name, seconds, peak, target in rows:
        verdict = ""
        if target is not None:
            ok = seconds <= target and peak <= memory_gib * GIB
            met &= ok
            verdict = f"<= {target} s, {memory_gib} GiB: " + ("ok" if ok else "MISSED")
        print(f"{name:{width}} {seconds:8.1f} {peak / GIB:9.2f}  {verdict}")
    record = [
        {"what": n, "seconds": round(s, 1), "peak_gib": round(p / GIB, 2)} for n, s, p, _ in rows
    ]
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return 0 if met else 1
