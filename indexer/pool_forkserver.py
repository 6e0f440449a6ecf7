"""Imported by the extraction pool's forkserver, first, so that it dies the moment the build does.

Only :mod:`indexer.pool` names this module, as the first module its forkserver preloads; nothing
else may import it (importing it asks the kernel to kill the importing process with its parent).

Why: the forkserver exits only once every holder of its "alive" pipe has closed it, and every
worker holds it.  So after a killed build the forkserver waited for its workers to finish their
current page, and the workers (whose parent-death signal is tied to the forkserver) waited for
nothing; before any worker existed, the forkserver lived until it had imported the extraction
code (0.5 s idle, 3-6 s on the loaded 2-core machine: `bench/chaos.py`'s kill probe found the
forkserver and multiprocessing's resource tracker alive 3 s after the kill in 5 of 12 rounds).
With ``PR_SET_PDEATHSIG`` on the forkserver, the kernel kills it when the build dies, which kills
its workers (theirs is set in :func:`indexer.pool._serve`), which closes the resource tracker's
pipe, which ends it.  The kernel sends the signal when the *thread* that started the forkserver
ends: a pool used from a thread that ends before the build loses its forkserver, and
multiprocessing starts a new one at the next worker start.
"""

from __future__ import annotations

import ctypes
import os
import signal

from indexer.pool import FORKSERVER_PARENT_VARIABLE, PR_SET_PDEATHSIG


def die_with_parent(expected_parent: int) -> None:
    """Have the kernel kill this process when its parent dies; exit now if the parent is not
    ``expected_parent`` any more (it died before we asked)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        os.write(2, b"artsearch forkserver: prctl(PR_SET_PDEATHSIG) failed\n")
    if os.getppid() != expected_parent:
        os._exit(1)


def _guard_this_forkserver() -> None:
    parent = os.environ.get(FORKSERVER_PARENT_VARIABLE, "")
    if parent.isdigit() and int(parent) != os.getpid():
        die_with_parent(int(parent))


_guard_this_forkserver()
