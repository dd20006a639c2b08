"""The one domain exception of the text half of ingest: a bad input file, with a Japanese reason."""
from __future__ import annotations


class IngestError(Exception):
    """A file that cannot be ingested. str() is the Japanese reason; .path names the file."""

    def __init__(self, path: str, reason: str):
        super().__init__(reason)
        self.path = str(path)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason
