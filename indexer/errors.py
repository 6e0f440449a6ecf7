"""The indexer's exceptions: the library raises them, the CLI and web app translate them."""

from __future__ import annotations


class IndexerError(Exception):
    """Base class of everything the indexer raises on purpose."""


class ExtractionError(IndexerError):
    """A page yields no article. ``str(error)`` is the one-line reason shown in build reports."""


class IndexNotFoundError(IndexerError):
    """There is no usable index at the given location."""


class IndexBusyError(IndexerError):
    """Another process holds the index's write lock."""


class ShrinkRefusedError(IndexerError):
    """A run would remove more of the index than allowed (an empty or unmounted corpus folder)."""


class WorkersCannotStartError(IndexerError):
    """The extraction workers exit or hang while starting, before they can read a page."""
