"""The README's Python API examples run as doctests against an index of the demo corpus."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

from indexer.build import build_index

ROOT = Path(__file__).resolve().parent.parent
SECTION = "### Python API"


def python_api_examples() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(SECTION)
    end = readme.find("\n### ", start + len(SECTION))
    section = readme[start : end if end != -1 else None]
    blocks = re.findall(r"```pycon\n(.*?)```", section, flags=re.S)
    assert len(blocks) >= 2, "the Python API section lost its examples"
    return "\n".join(blocks)


def test_the_readme_python_api_examples_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_index(ROOT / "corpus", tmp_path / "var" / "index", workers=2)
    monkeypatch.chdir(tmp_path)  # the examples open "var/index", as after `make index`
    parser = doctest.DocTestParser()
    test = parser.get_doctest(python_api_examples(), {}, "README.md", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 10
    assert result.failed == 0, f"{result.failed} README examples failed (output above)"
