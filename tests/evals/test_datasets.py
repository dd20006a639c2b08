"""The evaluation datasets hold what the verify CLI promises: schema, facts found in the corpus, coverage."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from evals.datasets import verify

REPO = Path(__file__).resolve().parents[2]
SHARED = verify.SHARED_DIR
CORPUS = SHARED / "corpus"
COPYCHECK = SHARED / "tools" / "copycheck.py"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")


@pytest.fixture(scope="module")
def report() -> verify.Report:
    return verify.verify(verify.DATASETS_DIR, CORPUS)


def test_every_item_passes_schema_and_source_checks(report):
    assert report.problems == []


def test_there_are_at_least_150_items_and_both_splits_stay_large(report):
    counts = report.counts()
    dev = sum(n for (split, _), n in counts.items() if split == "dev")
    test = sum(n for (split, _), n in counts.items() if split == "test")
    assert dev + test >= 150
    # the split started at 45/55; dev has since grown on purpose (new tuning items are written for dev,
    # test items are never moved across), so the bound only keeps either split from becoming a token one
    assert 0.35 <= dev / (dev + test) <= 0.60


def test_every_kind_is_in_both_splits(report):
    counts = report.counts()
    for split in verify.SPLITS:
        for kind in verify.KINDS:
            assert counts[(split, kind)] > 0, (split, kind)


def test_all_six_key_products_are_asked_about_in_both_splits(report):
    for split in verify.SPLITS:
        products = report.products(split)
        assert {p for p in verify.KEY_PRODUCTS if products[p]} == set(verify.KEY_PRODUCTS), split


def test_clarify_and_english_items_are_present(report):
    clarify = [i for i in report.items if i.data.get("expect") == "clarify"]
    assert len(clarify) >= 5
    assert 0.07 <= report.english_share() <= 0.2


def test_no_question_appears_twice(report):
    questions = [verify.squash(i.data["question"]) for i in report.items]
    assert len(questions) == len(set(questions))


def test_copycheck_reports_nothing_for_the_datasets():
    result = subprocess.run(
        [sys.executable, str(COPYCHECK), str(REPO)], capture_output=True, text=True, check=True
    )
    flagged = [line for line in result.stdout.splitlines() if line.startswith("evals/datasets")]
    assert flagged == []


# The checks themselves must catch what they claim to catch: feed them broken items.

def _write(tmp_path: Path, dev: list[dict], test: list[dict]) -> Path:
    for split, items in (("dev", dev), ("test", test)):
        lines = [json.dumps(item, ensure_ascii=False) for item in items]
        (tmp_path / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def _good(split: str, n: int) -> dict:
    return {
        "id": f"{split}-{n:03d}",
        "question": "仙台牛の輸出量は？",
        "answer_facts": ["46トン"],
        "source": "miyagi_export_strategy_2025.txt: 第4章 輸出基幹品目 > (3) 牛肉 > ② 現状と課題",
        "evidence": "仙台牛の輸出数量",
        "kind": "fact",
    }


def _problems_for(tmp_path: Path, item: dict) -> list[str]:
    report = verify.verify(_write(tmp_path, [item], [_good("test", 1)]), CORPUS)
    # item problems read "dev:<line> <id>: …"; coverage problems of the one-item split are beside the point
    return [p for p in report.problems if re.match(r"dev:\d", p)]


def test_a_well_formed_item_has_no_item_problems(tmp_path):
    assert _problems_for(tmp_path, _good("dev", 1)) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"answer_facts": ["47トン"]}, "fact '47トン' not in"),
        ({"evidence": "仙台牛の輸出数量は約46トンで前年度より増えたが全体の割合は低い"}, "evidence has"),
        ({"evidence": "ホヤメニュー開発"}, "is not under the section"),
        ({"source": "miyagi_export_strategy_2025.txt: 第4章 輸出基幹品目 > (3) 豚肉"}, "not found in order"),
        ({"source": "missing.txt: 第1章"}, "not in the corpus"),
        ({"kind": "trivia"}, "unknown kind"),
        ({"id": "test-001"}, "id must look like dev-001"),
        ({"kind": "followup"}, "followup needs a non-empty conversation"),
        ({"kind": "unanswerable"}, "unanswerable items have empty"),
        ({"expect": "clarify"}, "expect must be 'clarify'"),
        ({"answer_facts": []}, "answerable item without answer_facts"),
        ({"notes": "x"}, "unknown keys"),
        ({"turn_kind": "switch"}, "followup needs a non-empty conversation"),
        ({"turn_kind": "aside", "conversation": [{"role": "user", "text": "a"}, {"role": "assistant", "text": "b"}]},
         "turn_kind must be one of"),
        ({"kind": "followup", "turn_kind": "switch"}, "cannot be a topic switch"),
        ({"conversation": [{"role": "user", "text": "a"}, {"role": "assistant", "text": "b"}]},
         "only followup items and items with a turn_kind"),
        ({"id": "b11-1"}, "id must look like"),
    ],
)
def test_broken_items_are_reported(tmp_path, change, expected):
    problems = _problems_for(tmp_path, {**_good("dev", 1), **change})
    assert any(expected in p for p in problems), problems


def test_full_width_digits_in_facts_match_after_nfkc(tmp_path):
    assert _problems_for(tmp_path, {**_good("dev", 1), "answer_facts": ["４６トン"]}) == []


def test_conversation_must_alternate_and_end_with_the_assistant(tmp_path):
    item = {**_good("dev", 1), "kind": "followup", "question": "前の年と比べると？",
            "conversation": [{"role": "user", "text": "仙台牛の輸出量は？"}]}
    assert any("end with the assistant" in p for p in _problems_for(tmp_path, item))
    item["conversation"].append({"role": "assistant", "text": "約46トンです。"})
    assert _problems_for(tmp_path, item) == []


def test_a_topic_switch_carries_the_earlier_turns_and_a_blind_id(tmp_path):
    item = {**_good("dev", 1), "id": "b11-001", "turn_kind": "switch",
            "conversation": [{"role": "user", "text": "いちごを台湾に出すには？"}, {"role": "assistant", "text": "…"}]}
    assert _problems_for(tmp_path, item) == []


def test_duplicate_ids_and_missing_kinds_are_reported(tmp_path):
    report = verify.verify(_write(tmp_path, [_good("dev", 1), _good("dev", 1)], [_good("test", 1)]), CORPUS)
    assert "duplicate id dev-001" in report.problems
    assert "dev: no item of kind unanswerable" in report.problems
    assert "test: no item about さつまいも" in report.problems


def test_cli_prints_the_table_and_exits_zero_on_the_real_datasets(capsys):
    assert verify.main(["--corpus", str(CORPUS)]) == 0
    out = capsys.readouterr().out
    assert "unanswerable" in out and "0 problem(s)" in out


def test_every_item_is_gradable_on_the_chunks_ingest_makes(report):
    # One chunk must hold an item's evidence and facts, or the runner can never count it as a hit.
    assert verify.ungradable_items(report, CORPUS) == []


def test_an_evidence_that_is_only_a_heading_is_not_gradable(tmp_path):
    item = {**_good("dev", 1), "answer_facts": ["80kg"], "evidence": "仙台牛の部位別提案",
            "source": "miyagi_export_strategy_2025.txt: 第4章 輸出基幹品目 > (3) 牛肉 > ① これまでの取組 > 《取組例》"}
    broken = verify.verify(_write(tmp_path, [item], [_good("test", 1)]), CORPUS)
    assert [p for p in verify.ungradable_items(broken, CORPUS) if p.startswith("dev:")] != []
    fine = verify.verify(_write(tmp_path, [_good("dev", 1)], [_good("test", 1)]), CORPUS)
    assert verify.ungradable_items(fine, CORPUS) == []


def test_facts_a_note_words_differently_are_warned_about(tmp_path):
    notes = tmp_path / "knowledge"
    notes.mkdir()
    (notes / "beef.md").write_text("仙台牛の2023年度の輸出は約４６トンでした。\n", encoding="utf-8")
    test_item = {**_good("test", 1), "answer_facts": ["126.2%"]}
    report = verify.verify(_write(tmp_path, [_good("dev", 1)], [test_item]), CORPUS)
    assert verify.facts_missing_from_notes(report, notes) == ["test:1 test-001: fact '126.2%' is in no knowledge/ note"]
