"""Session-wide fixtures shared by every test module: repo paths, the embedding cache, small real indexes."""
from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.config import IndexConfig

REPO_ROOT = Path(__file__).resolve().parent.parent
# The shared folder sits beside the repository, or one level up from a git worktree (…/wt/<name>/).
SHARED = next((p for p in (REPO_ROOT.parent / "shared", REPO_ROOT.parent.parent / "shared") if p.is_dir()),
              REPO_ROOT.parent / "shared")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def embed_cache_path() -> Path:
    """One cache for all tests and all runs (gitignored): vectors are computed once per text, ever."""
    path = REPO_ROOT / ".cache" / "test-embeddings.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def index_config(embed_cache_path: Path) -> IndexConfig:
    return IndexConfig(embed_cache=embed_cache_path)


@pytest.fixture(scope="session")
def small_corpus_dir() -> Path:
    return REPO_ROOT / "tests" / "fixtures" / "small_corpus"


@pytest.fixture(scope="session")
def small_index_dir(tmp_path_factory: pytest.TempPathFactory, small_corpus_dir: Path, index_config: IndexConfig) -> Path:
    """A real index (Chroma + lexical + manifest) of the small corpus, built once per session."""
    from ingest.index.build import build_index

    index_dir = tmp_path_factory.mktemp("small-index")
    report = build_index([small_corpus_dir], index_dir, index_config)
    assert report.failures == [], report.failures
    return index_dir


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    path = SHARED / "corpus"
    if not path.is_dir():
        pytest.skip(f"shared corpus not found at {path}")
    return path


@pytest.fixture(scope="session")
def knowledge_index_dir(tmp_path_factory: pytest.TempPathFactory, index_config: IndexConfig) -> Path:
    """An index of <repo>/knowledge plus the shared corpus (when present), built once per session."""
    from ingest.index.build import build_index

    sources = [REPO_ROOT / "knowledge"]
    corpus = SHARED / "corpus"
    if corpus.is_dir():
        sources.append(corpus)
    index_dir = tmp_path_factory.mktemp("knowledge-index")
    report = build_index(sources, index_dir, index_config)
    if report.failures:
        # knowledge/ is edited by several people; a broken note is reported, not fatal for everyone's tests
        warnings.warn(f"knowledge index built with failures: {report.failures}")
    assert report.chunks > 0
    return index_dir


@pytest.fixture(scope="session")
def make_indexed_document() -> Callable[..., object]:
    """Builds an ingest.index.build.IndexedDocument by hand (one section, one chunk per text) for index-half tests."""
    from ingest.index.build import IndexedDocument
    from ingest.models import Chunk, DocumentMeta, Section

    def make(doc_id: str, texts: list[str], audience: str = "public", kind: str = "reference",
             version: str = "1", title: str | None = None) -> IndexedDocument:
        meta = DocumentMeta(doc_id=doc_id, title=title or f"{doc_id} の資料", source_file=f"{doc_id}.md",
                            audience=audience, kind=kind, as_of="2025-01")
        section = Section(path=("本文",), anchor="s-1", text="".join(texts))
        chunks = tuple(
            Chunk(chunk_id=f"{doc_id}:{version}:{i}", doc_id=doc_id, text=text, section_path=("本文",), anchor="s-1",
                  ordinal=i, title=meta.title, as_of=meta.as_of, audience=audience, kind=kind, source_file=meta.source_file)
            for i, text in enumerate(texts)
        )
        return IndexedDocument(meta, f"sha-{doc_id}-{version}", (section,), chunks)

    return make


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory):
    """A real `chroma run` on loopback for the whole session (server-mode tests); stopped at the end."""
    from tests.chroma_server import ChromaServer, chroma_cli

    if chroma_cli() is None:
        pytest.skip("the chroma CLI (shipped with the chromadb package) is not installed")
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "data")
    server.start()
    yield server
    server.stop()
