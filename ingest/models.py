"""Typed records that flow through the ingest pipeline: document → sections → chunks."""
from __future__ import annotations

from dataclasses import dataclass, field

AUDIENCES = ("public", "internal")


def visible(item_audience: str, audience: str | None) -> bool:
    """The audience rule, the one place it is written: the public see public items only; coordinators
    ("internal") see everything, and so does None (no audience: the index's own maintenance and benchmarks).
    An unknown audience is treated as the public (fail closed)."""
    return item_audience == "public" or audience in ("internal", None)


def public_only(audience: str | None) -> bool:
    """Whether a search for `audience` must be narrowed to public items (for filters applied in a store)."""
    return not visible("internal", audience)
KINDS = ("strategy", "regulation", "procedure", "case", "support", "contact", "reference")
SECTION_SEPARATOR = " > "


@dataclass(frozen=True)
class DocumentMeta:
    """What we know about a source document, from front matter, a sidecar or defaults."""

    doc_id: str  # stable: derived from the path relative to the ingested root, e.g. "strategy-vision"
    title: str
    source_file: str  # path as given to ingest, relative where possible
    source: str = ""  # citation text: document + section, e.g. "宮城県…戦略 第4章"
    source_url: str | None = None
    as_of: str | None = None  # ISO-like date string, "2024-08" or "2024-08-01"
    review_by: str | None = None  # when the note must be re-checked (same format); ingest lists notes past it
    audience: str = "public"  # one of AUDIENCES
    kind: str = "reference"  # one of KINDS
    products: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    publisher: str | None = None


@dataclass(frozen=True)
class Document:
    """A loaded, normalized document."""

    meta: DocumentMeta
    text: str  # normalized text, the input of section detection
    content_hash: str  # sha256 of the raw bytes + meta, for incremental ingest


@dataclass(frozen=True)
class Section:
    """A titled span of a document; path is the chain of headings from the top."""

    path: tuple[str, ...]
    anchor: str  # URL-safe, stable id of the section within its document, e.g. "s-4-3-2"
    text: str  # the body under this heading (heading line excluded)


@dataclass(frozen=True)
class Chunk:
    """The unit that is embedded, lexically indexed, retrieved and cited."""

    chunk_id: str  # stable: f"{doc_id}:{anchor}:{ordinal}" hashed to keep it short
    doc_id: str
    text: str  # the chunk body as shown to users and cited
    section_path: tuple[str, ...]
    anchor: str
    ordinal: int  # position of the chunk within its document
    title: str
    as_of: str | None
    audience: str
    kind: str
    products: tuple[str, ...] = ()  # document products ∪ products detected in the chunk text
    countries: tuple[str, ...] = ()
    source_file: str = ""
    source_url: str | None = None

    @property
    def section(self) -> str:
        return SECTION_SEPARATOR.join(self.section_path)

    @property
    def indexed_text(self) -> str:
        """What is embedded and lexically indexed: title and section path give context."""
        head = SECTION_SEPARATOR.join((self.title, *self.section_path))
        return f"{head}\n{self.text}"


@dataclass
class IngestReport:
    """Outcome of one ingest run, printed as the summary table."""

    documents: int = 0
    chunks: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (path, reason in Japanese)
    embedded: int = 0  # chunks actually sent to the embedder (cache misses)
    units: int = 0  # answer units given a vector in the new generation
    units_per_s: float = 0.0  # units embedded (or read from the cache) per second
    seconds: float = 0.0
    generation: str | None = None
    review_overdue: list[str] = field(default_factory=list)  # doc ids past their review_by date
