"""The API keeps the word of its OpenAPI document: Schemathesis, with every check it has, against
the real server (`artsearch serve`, gunicorn), a bounded number of examples per operation."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from live_server import running_server

# Examples per operation and phase: enough to reach every parameter's edge cases (the coverage
# phase tries each boundary anyway), few enough for ~30 s on two cores.  bench runs use more.
MAX_EXAMPLES = 30
SEED = 16


def test_schemathesis_with_all_checks_finds_no_failure(index_dir: Path, tmp_path: Path) -> None:
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert schemathesis, "schemathesis is a test dependency: make setup installs it"
    with running_server(index_dir, threads=4) as base:
        done = subprocess.run(
            [
                schemathesis, "run", f"{base}/api/openapi.json", "--checks", "all",
                "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--workers", "1",
                "--no-color",
            ],
            cwd=tmp_path,  # its example database stays out of the repository
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    assert "No issues found" in output, output[-6000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", output)
    assert generated and int(generated[1]) >= 100, output[-2000:]
