import pytest

from ingest.index.generations import (
    CURRENT_FILE, generation_dirs, next_generation, read_current, remove_stale_generations, switch_current, writer_lock,
)
from ingest.index.manifest import IndexLockedError


def make_generation(index_dir, name, complete=True):
    path = index_dir / name
    (path / "chroma").mkdir(parents=True)
    if complete:
        (path / "manifest.json").write_text("{}")
    return path


def test_current_is_switched_atomically_and_read_back(tmp_path):
    assert read_current(tmp_path) is None
    switch_current(tmp_path, "gen-000003")
    assert read_current(tmp_path) == "gen-000003"
    assert (tmp_path / CURRENT_FILE).read_text() == "gen-000003\n"
    assert not (tmp_path / (CURRENT_FILE + ".tmp")).exists()
    (tmp_path / CURRENT_FILE).write_text("garbage")
    assert read_current(tmp_path) is None


def test_next_generation_counts_past_every_existing_dir(tmp_path):
    assert next_generation(tmp_path) == "gen-000001"
    make_generation(tmp_path, "gen-000001")
    make_generation(tmp_path, "gen-000007", complete=False)
    assert next_generation(tmp_path) == "gen-000008"


def test_cleanup_keeps_live_and_previous_and_drops_the_rest(tmp_path):
    for number in (1, 2, 3):
        make_generation(tmp_path, f"gen-00000{number}")
    make_generation(tmp_path, "gen-000004", complete=False)  # a crashed run
    make_generation(tmp_path, "gen-000005")  # finished but never switched to
    switch_current(tmp_path, "gen-000003")
    removed = remove_stale_generations(tmp_path)
    assert sorted(removed) == ["gen-000001", "gen-000004", "gen-000005"]
    assert [path.name for path in generation_dirs(tmp_path)] == ["gen-000002", "gen-000003"]


def test_without_current_every_generation_is_unfinished(tmp_path):
    make_generation(tmp_path, "gen-000001")
    remove_stale_generations(tmp_path)
    assert generation_dirs(tmp_path) == []


def test_second_writer_fails_fast_with_a_japanese_message(tmp_path):
    with writer_lock(tmp_path):
        with pytest.raises(IndexLockedError, match="別の取り込み処理"):
            with writer_lock(tmp_path):
                pass
    with writer_lock(tmp_path):  # released on exit
        pass
