"""Process figures read from /proc for bench/perf.py: children of a process, and their memory."""

from __future__ import annotations

import os
from pathlib import Path


def parent_map() -> dict[int, int]:
    """Every visible process id mapped to its parent's id."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        # The command name is in parentheses and may hold spaces; the fields follow the last ")".
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def children(pid: int) -> list[int]:
    return sorted(child for child, parent in parent_map().items() if parent == pid)


def descendants(pid: int) -> list[int]:
    parents = parent_map()
    found: list[int] = []
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        kids = [child for child, parent in parents.items() if parent == current]
        found.extend(kids)
        frontier.extend(kids)
    return found


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a process in MB; empty when the process has gone."""
    values: dict[str, float] = {}
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return values
    for line in status.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


def tree_rss_mb(pid: int) -> float:
    """The summed resident memory of a process and all its descendants, in MB."""
    return sum(memory_mb(p).get("VmRSS", 0.0) for p in [pid, *descendants(pid)])
