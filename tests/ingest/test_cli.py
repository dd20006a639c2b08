"""The CLI as a user runs it: real subprocesses, real exit codes, a real kill -9 in the middle of a build."""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.index.generations import read_current, writer_lock
from ingest.index.manifest import IndexLockedError
from ingest.index.reader import IndexReader

pytestmark = pytest.mark.slow  # every test runs the CLI in a subprocess: not in make test-quick


@pytest.fixture()
def env(embed_cache_path, repo_root):
    values = dict(os.environ)
    values.update({"EXPORT_BOT_EMBED_CACHE": str(embed_cache_path), "COLUMNS": "400", "PYTHONPATH": str(repo_root)})
    values.pop("EXPORT_BOT_TEST_SLOW_EMBED", None)
    return values


def run_cli(args, env, repo_root, timeout=600):
    return subprocess.run([sys.executable, "-m", "ingest", *map(str, args)], cwd=repo_root, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture()
def corpus(tmp_path, small_corpus_dir):
    target = tmp_path / "corpus"
    shutil.copytree(small_corpus_dir, target)
    return target


def test_ingest_then_reingest_reports_everything_unchanged(tmp_path, corpus, env, repo_root):
    first = run_cli([corpus, "--index", tmp_path / "index"], env, repo_root)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "documents" in first.stdout and "gen-000001" in first.stdout
    assert "contact-export-consultation" in first.stdout
    second = run_cli([corpus, "--index", tmp_path / "index"], env, repo_root)
    assert second.returncode == 0
    unchanged_row = next(line for line in second.stdout.splitlines() if "unchanged" in line)
    assert "7" in unchanged_row
    embedded_row = next(line for line in second.stdout.splitlines() if "embedded" in line)
    assert embedded_row.split("│")[2].strip() == "0"
    assert sorted(p.name for p in (tmp_path / "index").glob("gen-*")) == ["gen-000001"]


def test_bad_files_make_exit_status_1_and_are_listed_by_path(tmp_path, corpus, env, repo_root):
    (corpus / "empty.md").write_text("")
    (corpus / "garbage.txt").write_bytes(bytes(range(256)) * 20)
    result = run_cli([corpus, "--index", tmp_path / "index"], env, repo_root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert str(corpus / "empty.md") in result.stdout and str(corpus / "garbage.txt") in result.stdout
    reader = IndexReader.open(tmp_path / "index")
    try:
        assert len(reader.documents) == 7
    finally:
        reader.close()


def test_usage_errors_exit_2(tmp_path, corpus, env, repo_root):
    assert run_cli([corpus], env, repo_root).returncode == 2  # no --index
    assert run_cli([corpus, "--index", tmp_path / "i", "--chunk-chars", "3"], env, repo_root).returncode == 2


def test_a_second_ingest_fails_fast_while_the_index_is_locked(tmp_path, corpus, env, repo_root):
    with writer_lock(tmp_path / "index"):
        result = run_cli([corpus, "--index", tmp_path / "index"], env, repo_root)
    assert result.returncode == 2
    assert "別の取り込み処理" in result.stdout


def write_extra_notes(corpus: Path, count: int = 5, sections: int = 8) -> None:
    for n in range(count):
        body = "\n\n".join(
            f"## 確認事項{i}\n\n追加資料{n}の{i}番目の項目です。輸出前に確認する点を整理番号{n * 100 + i}として記録しています。"
            for i in range(sections)
        )
        (corpus / f"extra-{n}.md").write_text(
            f"---\ndoc_id: extra-{n}\ntitle: 追加資料{n}\naudience: public\nkind: procedure\n---\n# 追加資料{n}\n\n{body}\n",
            encoding="utf-8",
        )


def snapshot(index_dir):
    reader = IndexReader.open(index_dir)
    try:
        query = reader.embed_query("香港にカキを輸出できますか")
        return {
            "generation": reader.generation,
            "documents": sorted(reader.documents),
            "chunks": sorted(reader.chunks),
            "dense": [cid for cid, _ in reader.dense_search(query, 5)],
            "lexical": [cid for cid, _ in reader.lexical_search(reader.tokenize("残留農薬"), 5)],
            "all_dense": sorted(cid for cid, _ in reader.dense_search(query, 1000, audience=None)),
        }
    finally:
        reader.close()


def wait_for(predicate, seconds=300.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_kill_9_mid_build_leaves_the_previous_generation_and_the_next_run_completes(tmp_path, corpus, env, repo_root):
    index_dir = tmp_path / "index"
    assert run_cli([corpus, "--index", index_dir], env, repo_root).returncode == 0
    before = snapshot(index_dir)
    assert before["generation"] == "gen-000001"

    write_extra_notes(corpus)
    slow = dict(env, EXPORT_BOT_TEST_SLOW_EMBED="1.0")
    log = open(tmp_path / "killed-run.log", "w+")
    process = subprocess.Popen([sys.executable, "-m", "ingest", str(corpus), "--index", str(index_dir)], cwd=repo_root,
                               env=slow, stdout=log, stderr=subprocess.STDOUT)
    try:
        chroma_db = index_dir / "gen-000002" / "chroma" / "chroma.sqlite3"
        started = wait_for(lambda: chroma_db.exists() or process.poll() is not None)
        assert started and process.poll() is None, (
            f"the second build never started writing (exit {process.poll()}): "
            f"{(tmp_path / 'killed-run.log').read_text()[-3000:]} {sorted(p.name for p in index_dir.iterdir())}"
        )
        # 53 chunks in batches of 16 with a 1 s pause after each: the build cannot finish within 1.2 s from here
        time.sleep(1.2)
        with pytest.raises(IndexLockedError):  # while it runs, a second writer is turned away
            with writer_lock(index_dir):
                pass
        assert process.poll() is None, "the build finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(60)
        log.close()
    assert process.returncode == -signal.SIGKILL

    assert read_current(index_dir) == "gen-000001"
    assert not (index_dir / "gen-000002" / "manifest.json").exists()
    assert snapshot(index_dir) == before  # same counts, same answers

    rerun = run_cli([corpus, "--index", index_dir], env, repo_root)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    after = snapshot(index_dir)
    assert after["generation"] == "gen-000002"
    expected_docs = sorted(before["documents"] + [f"extra-{n}" for n in range(5)])
    assert after["documents"] == expected_docs
    assert len(after["chunks"]) == len(before["chunks"]) + 5 * 8
    assert set(before["chunks"]) <= set(after["chunks"])
    assert after["all_dense"] == after["chunks"]  # every chunk has exactly one vector: nothing lost or doubled
    assert after["dense"][0] == before["dense"][0]
    assert sorted(p.name for p in index_dir.glob("gen-*")) == ["gen-000001", "gen-000002"]
