"""The index: what is on disk and how it is read.

Schema and text analysis, index generations and their swap, the manifest of corpus files, the
arrays written beside Whoosh's segments, and the one module that touches Whoosh's private names
(:mod:`indexer.index.whoosh_private`).  Extraction knows nothing of it; search reads through it.
"""
