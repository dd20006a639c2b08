"""The text half of ingest: find files, load them as Documents, split them into sections and chunks."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import yaml

from ingest.text.chunker import chunk_id, chunk_text
from ingest.config import IndexConfig
from ingest.errors import IngestError
from ingest.text.loaders import SUPPORTED_SUFFIXES, LoadedFile, load_file
from ingest.models import AUDIENCES, KINDS, Chunk, Document, DocumentMeta, Section
from ingest.text.normalize import nfkc, normalize_extracted_text, normalize_markup_text
from ingest.text.sections import detect_sections
from ingest.text.tagging import VOCABULARY_PATH, canonical_names, find_countries, find_products
from ingest.text.review import note_date

SIDECAR_SUFFIX = ".meta.yaml"
# Bumped when loading/normalization changes what a file turns into, so content hashes change and
# the index half re-ingests documents whose bytes did not change.
TEXT_PIPELINE_VERSION = "text-1"
# README.md files document a folder (how to add notes), they are not knowledge.
SKIPPED_NAMES = ("README.md",)


def discover_files(paths: list[Path]) -> list[Path]:
    """Supported files under paths (directories recurse), sorted and without duplicates.

    Skipped: sidecars (*.meta.yaml), hidden files and folders, README.md. A file given
    explicitly is returned even when its format is unsupported, so the caller reports it.
    """
    found: set[Path] = set()
    for given in paths:
        given = Path(given)
        if given.is_dir():
            for candidate in given.rglob("*"):
                relative = candidate.relative_to(given)
                if any(part.startswith(".") for part in relative.parts):
                    continue
                if candidate.is_file() and _is_knowledge_file(candidate):
                    found.add(candidate)
        elif not given.name.endswith(SIDECAR_SUFFIX):
            found.add(given)
    return sorted(found, key=lambda p: p.as_posix())


def _is_knowledge_file(path: Path) -> bool:
    return (
        path.suffix.lower() in SUPPORTED_SUFFIXES
        and not path.name.endswith(SIDECAR_SUFFIX)
        and path.name not in SKIPPED_NAMES
    )


def slugify(stem: str) -> str:
    """A URL- and id-safe form of a file stem; Japanese letters are kept, spaces/slashes become '-'."""
    text = nfkc(stem).strip()
    text = re.sub(r"[\s/\\]+", "-", text)
    text = re.sub(r"[^\w.\-]", "", text)
    text = re.sub(r"-{2,}", "-", text).strip("-.")
    return text or "document"


def doc_id_for(path: Path, root: Path | None = None) -> str:
    """The file stem, slugified (knowledge/README.md: stems are unique across the whole folder).

    Sub-folders do not enter the id, so moving a note between folders keeps its citations; two
    files with the same stem are reported as duplicates by the index half.
    """
    return slugify(Path(path).stem)


def _relative(path: Path, root: Path | None) -> Path:
    if root is not None:
        try:
            base = root.parent if root.is_file() else root
            return path.resolve().relative_to(base.resolve())
        except ValueError:
            pass
    return Path(path.name)


def sidecar_path(path: Path) -> Path | None:
    """NAME.meta.yaml beside the file (also accepted: STEM.meta.yaml)."""
    for candidate in (path.with_name(path.name + SIDECAR_SUFFIX), path.with_name(path.stem + SIDECAR_SUFFIX)):
        if candidate.is_file():
            return candidate
    return None


def _read_sidecar(path: Path) -> tuple[dict, bytes]:
    sidecar = sidecar_path(path)
    if sidecar is None:
        return {}, b""
    raw = sidecar.read_bytes()
    try:
        data = yaml.safe_load(raw.decode("utf-8-sig")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise IngestError(str(path), f"メタデータファイル {sidecar.name} を解析できません") from exc
    if not isinstance(data, dict):
        raise IngestError(str(path), f"メタデータファイル {sidecar.name} が key: value の形式ではありません")
    return data, raw


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[,、，]", value) if v.strip()]
    if isinstance(value, (list, tuple, set)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value)]


def _default_title(text: str, path: Path) -> str:
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        line = re.sub(r"^#{1,6}\s+", "", line)
        return line[:80]
    return path.stem


def build_meta(path: Path, root: Path | None, loaded: LoadedFile, text: str, sidecar: dict) -> DocumentMeta:
    """Document metadata: front matter over sidecar over defaults; audience/kind validated."""
    values = {**{k: v for k, v in sidecar.items() if v is not None},
              **{k: v for k, v in loaded.front_matter.items() if v is not None}}
    name = str(path)
    audience = (_as_text(values.get("audience")) or "public").lower()
    if audience not in AUDIENCES:
        raise IngestError(name, f"audience の値「{audience}」は使えません（{' / '.join(AUDIENCES)} のいずれか）")
    kind = (_as_text(values.get("kind")) or "reference").lower()
    if kind not in KINDS:
        raise IngestError(name, f"kind の値「{kind}」は使えません（{' / '.join(KINDS)} のいずれか）")
    title = nfkc(_as_text(values.get("title")) or _default_title(text, path))
    review_by = _as_text(values.get("review_by"))
    if review_by is not None and note_date(review_by) is None:
        raise IngestError(name, f"review_by の値「{review_by}」は日付として読めません（YYYY-MM または YYYY-MM-DD で書いてください）")
    return DocumentMeta(
        doc_id=doc_id_for(path, root),
        title=title,
        source_file=_relative(path, root).as_posix() if root is not None else str(path),
        source=nfkc(_as_text(values.get("source")) or title),
        source_url=_as_text(values.get("source_url") or values.get("url")),
        as_of=_as_text(values.get("as_of")),
        review_by=review_by,
        audience=audience,
        kind=kind,
        products=canonical_names(_as_list(values.get("products")), "products"),
        countries=canonical_names(_as_list(values.get("countries")), "countries"),
        publisher=_as_text(values.get("publisher")),
    )


def load_document(path: Path, root: Path | None = None) -> Document:
    """Load, normalize and describe one file. Raises IngestError with a Japanese reason."""
    path = Path(path)
    if path.name.endswith(SIDECAR_SUFFIX):
        raise IngestError(str(path), "メタデータファイル（.meta.yaml）は文書として取り込みません")
    loaded = load_file(path)
    sidecar, sidecar_raw = _read_sidecar(path)
    text = normalize_extracted_text(loaded.text) if loaded.extracted else normalize_markup_text(loaded.text)
    if not text.strip():
        raise IngestError(str(path), "正規化すると本文が残りません（ページ番号や図の枠だけのファイルです）")
    meta = build_meta(path, root, loaded, text, sidecar)
    digest = hashlib.sha256()
    digest.update(TEXT_PIPELINE_VERSION.encode() + b"\0")
    # chunks carry product/country tags: a vocabulary edit must re-tag every document
    digest.update(VOCABULARY_PATH.read_bytes() + b"\0")
    digest.update(loaded.raw)
    digest.update(b"\0")
    digest.update(sidecar_raw)
    return Document(meta=meta, text=text, content_hash=digest.hexdigest())


def _without_title_heading(sections: list[Section], title: str) -> list[Section]:
    """Drop a single top heading that repeats the document title (「# タイトル」 in a note).

    The title already heads every chunk's indexed text; repeating it in the path only adds noise.
    Anchors stay as detected, so they remain unique and stable.
    """
    tops = {s.path[0] for s in sections if s.path}
    if len(tops) != 1 or _squashed(next(iter(tops))) != _squashed(title):
        return sections
    return [Section(path=s.path[1:], anchor=s.anchor, text=s.text) if s.path else s for s in sections]


def _squashed(text: str) -> str:
    return re.sub(r"\s+", "", nfkc(text))


def chunk_document(doc: Document, config: IndexConfig) -> tuple[list[Section], list[Chunk]]:
    """Sections of the document and its chunks, tagged with products and countries."""
    meta = doc.meta
    sections = _without_title_heading(detect_sections(doc.text), meta.title)
    chunks: list[Chunk] = []
    for section in sections:
        for piece in chunk_text(section.text, config.chunk_chars, config.chunk_overlap_sentences):
            tag_text = "\n".join((*section.path, piece.text))
            products = tuple(dict.fromkeys((*meta.products, *find_products(tag_text))))
            countries = tuple(dict.fromkeys((*meta.countries, *find_countries(tag_text))))
            chunks.append(
                Chunk(
                    chunk_id=chunk_id(meta.doc_id, section.anchor, piece.ordinal_in_section, piece.text),
                    doc_id=meta.doc_id,
                    text=piece.text,
                    section_path=section.path,
                    anchor=section.anchor,
                    ordinal=len(chunks),
                    title=meta.title,
                    as_of=meta.as_of,
                    audience=meta.audience,
                    kind=meta.kind,
                    products=products,
                    countries=countries,
                    source_file=meta.source_file,
                    source_url=meta.source_url,
                )
            )
    return sections, chunks
