"""CPU time of a build and every process it starts (its extraction workers are the children of a
forkserver, which neither GNU time nor ``resource.getrusage`` of the build see)."""

from __future__ import annotations

import os
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

    def remove(self) -> None:
        self.path.rmdir()
