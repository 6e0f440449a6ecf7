"""The processes below a process, for the tests that kill an indexer and check what it leaves."""

from __future__ import annotations

import psutil


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (children, grandchildren...), zombies left out."""
    try:
        below = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return set()
    return alive({process.pid for process in below})


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` that still run (a zombie has ended, its parent has not read it yet)."""
    running = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                running.add(pid)
        except psutil.NoSuchProcess:
            continue
    return running


def command_line(pid: int) -> str:
    """The process's command line, or "" when it has gone."""
    try:
        return " ".join(psutil.Process(pid).cmdline())
    except psutil.NoSuchProcess:
        return ""


def parent(pid: int) -> int:
    """The process's parent, or -1 when it has gone."""
    try:
        return psutil.Process(pid).ppid()
    except psutil.NoSuchProcess:
        return -1
