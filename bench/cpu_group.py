"""CPU time of a build and every process it starts (its extraction workers are the children of a
forkserver, which neither GNU time nor ``resource.getrusage`` of the build see)."""

from __future__ import annotations

import os
import time
from pathlib import Path


class CpuGroup:
    """A fresh cgroup v1 `cpuacct` group: processes moved in, and every child they start, count."""

    ROOT = Path("/sys/fs/cgroup/cpuacct")

    @classmethod
    def available(cls) -> bool:
        return cls.ROOT.is_dir() and os.access(cls.ROOT, os.W_OK)

    def __init__(self, name: str) -> None:
        self.path = self.ROOT / name
        if self.path.exists():
            self.path.rmdir()
        self.path.mkdir()

    def seconds(self) -> tuple[float, float, float]:
        """Total, user and system CPU seconds so far."""
        total = int((self.path / "cpuacct.usage").read_text()) / 1e9
        user = int((self.path / "cpuacct.usage_user").read_text()) / 1e9
        system = int((self.path / "cpuacct.usage_sys").read_text()) / 1e9
        return total, user, system

    def wait_empty(self, seconds: float = 30.0) -> None:
        """Wait for the group's processes to end (a forkserver and multiprocessing's resource
        tracker outlive the build by a moment), so that their CPU counts and the group can go."""
        deadline = time.monotonic() + seconds
        while (self.path / "cgroup.procs").read_text().strip():
            if time.monotonic() > deadline:
                raise RuntimeError(f"processes still in {self.path} after {seconds:g} s")
            time.sleep(0.1)

    def remove(self) -> None:
        self.wait_empty()
        self.path.rmdir()
