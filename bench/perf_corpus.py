"""Generated corpora for bench/perf.py: made once, cached, and changed reversibly.

Layout under the cache folder (``--out``)::

    corpus-N/          the N pages of ``make_html_corpus.py --scale N`` (renamed into place when
                       complete, so a folder that exists is whole)
    truth-N.jsonl      its ground truth (what the query mix is drawn from)
    extras-N/          pages N .. N + N/200 - 1 of a larger generated corpus: new articles that the
                       incremental run adds
    change-backup-N/   while an incremental run has changed corpus-N: the original pages and a
                       journal; restored at the end, or by the next run if this one died

The incremental change, seeded: 1% of the pages are edited (a sentence put in front of the
article's first paragraph, so that the article itself changes; pages where that paragraph cannot be
found get an HTML comment instead, which changes the file but not the article), 0.5% are added
(the extras) and 0.5% deleted.
"""

from __future__ import annotations

import gzip
import html
import json
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GENERATOR = Path("/work/shared/tools/make_html_corpus.py")
CHANGED_SHARE = 0.01
ADDED_SHARE = 0.005
DELETED_SHARE = 0.005
EDIT_PREFIX = "Updated with new figures from the company. "
_JOURNAL = "journal.json"
# From this size on pages are written as .html.gz: a million plain pages take ~57 GB of disk.
GZIP_FROM = 500_000


def corpus_dir(out: Path, size: int) -> Path:
    return out / f"corpus-{size}"


def truth_path(out: Path, size: int) -> Path:
    return out / f"truth-{size}.jsonl"


def _generate(folder: Path, truth: Path, scale: int, seed: int, log: Path) -> None:
    """Run the generator into ``folder``.tmp and rename it into place when it has finished."""
    partial = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(partial, ignore_errors=True)
    command = [
        sys.executable,
        str(GENERATOR),
        "--out",
        str(partial),
        "--jsonl-truth",
        str(truth),
        "--scale",
        str(scale),
        "--seed",
        str(seed),
        "--quiet",
    ]
    if scale >= GZIP_FROM:
        command.append("--gzip")
    with open(log, "a", encoding="utf-8") as handle:
        subprocess.run(command, check=True, stdout=handle, stderr=handle)
    partial.rename(folder)


def ensure_corpus(out: Path, size: int, seed: int) -> tuple[Path, bool]:
    """The cached corpus of ``size`` pages, generated first when missing; (folder, generated)."""
    folder = corpus_dir(out, size)
    if folder.is_dir() and truth_path(out, size).is_file():
        return folder, False
    out.mkdir(parents=True, exist_ok=True)
    _generate(folder, truth_path(out, size), size, seed, out / "generate.log")
    return folder, True


def added_count(size: int) -> int:
    return max(1, round(size * ADDED_SHARE))


def ensure_extras(out: Path, size: int, seed: int) -> Path:
    """New pages for the incremental run: the pages past ``size`` of a slightly larger corpus."""
    extras = out / f"extras-{size}"
    if extras.is_dir():
        return extras
    scratch = out / f"extras-{size}.generated"
    truth = out / f"extras-{size}.truth.jsonl"
    shutil.rmtree(scratch, ignore_errors=True)
    _generate(scratch, truth, size + added_count(size), seed, out / "generate.log")
    staging = out / f"extras-{size}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    with open(truth, encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            if index < size:
                continue
            relative = json.loads(line)["file"]
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(scratch / relative, target)
    shutil.rmtree(scratch)
    truth.unlink()
    staging.rename(extras)
    return extras


@dataclass(frozen=True)
class ChangeSummary:
    edited: int  # pages whose article text was changed
    touched: int  # pages changed only by a comment (article paragraph not found in the markup)
    added: int
    deleted: int

    def to_dict(self) -> dict[str, int]:
        return {
            "edited": self.edited,
            "touched": self.touched,
            "added": self.added,
            "deleted": self.deleted,
        }


def _edit_page(data: bytes, record: dict[str, Any]) -> tuple[bytes, bool]:
    """The page with a sentence put before its article's first paragraph; (page, edited)."""
    encoding = "cp1252" if record.get("encoding") == "windows-1252" else "utf-8"
    text = data.decode(encoding, errors="surrogateescape")
    first = (record.get("body") or "").split("\n\n")[0][:40]
    for form in (first, html.escape(first, quote=False), html.escape(first)):
        position = text.find(form) if form else -1
        if position >= 0:
            edited = text[:position] + EDIT_PREFIX + text[position:]
            return edited.encode(encoding, errors="surrogateescape"), True
    return data + b"\n<!-- edited by bench/perf.py -->\n", False


def restore_corpus(out: Path, size: int) -> bool:
    """Undo an incremental change of corpus-N if one is recorded; True when something was undone."""
    backup = out / f"change-backup-{size}"
    journal = backup / _JOURNAL
    if not journal.is_file():
        shutil.rmtree(backup, ignore_errors=True)
        return False
    corpus = corpus_dir(out, size)
    plan = json.loads(journal.read_text(encoding="utf-8"))
    for relative in plan["added"]:
        (corpus / relative).unlink(missing_ok=True)
    for relative in plan["edited"] + plan["deleted"]:
        # copy2 keeps the original modification time, so the pages look as they did.
        shutil.copy2(backup / "pages" / relative, corpus / relative)
    shutil.rmtree(backup)
    return True


def change_corpus(out: Path, size: int, seed: int) -> ChangeSummary:
    """Edit 1%, add 0.5% and delete 0.5% of corpus-N, recording how to undo it first."""
    corpus = corpus_dir(out, size)
    extras = ensure_extras(out, size, seed)
    records = []
    with open(truth_path(out, size), encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    rng = random.Random(seed + size)
    chosen = rng.sample(
        range(len(records)), round(size * CHANGED_SHARE) + round(size * DELETED_SHARE)
    )
    edit = [records[i] for i in chosen[: round(size * CHANGED_SHARE)]]
    delete = [records[i] for i in chosen[round(size * CHANGED_SHARE) :]]
    added = sorted(p.relative_to(extras).as_posix() for p in extras.rglob("*") if p.is_file())

    backup = out / f"change-backup-{size}"
    pages = backup / "pages"
    for record in edit + delete:
        target = pages / record["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(corpus / record["file"], target)
    plan = {
        "edited": [r["file"] for r in edit],
        "deleted": [r["file"] for r in delete],
        "added": added,
    }
    # The journal is written last: a backup folder without one holds no change to undo.
    (backup / _JOURNAL).write_text(json.dumps(plan), encoding="utf-8")

    edited = 0
    for record in edit:
        page = corpus / record["file"]
        raw = page.read_bytes()
        packed = page.suffix == ".gz"
        data, changed = _edit_page(gzip.decompress(raw) if packed else raw, record)
        page.write_bytes(gzip.compress(data) if packed else data)
        edited += changed
    for record in delete:
        (corpus / record["file"]).unlink()
    for relative in added:
        target = corpus / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(extras / relative, target)
    return ChangeSummary(edited, len(edit) - edited, len(added), len(delete))
