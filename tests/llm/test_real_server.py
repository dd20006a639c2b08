"""LLM mode against a real llama.cpp server running the base Gemma 3 270M: the bounds hold, tokens stream, the
answer check turns the base model's garbage into logged extractive fallbacks, and the evals never drop below
extractive."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from bot.answer_llm import EndpointFailed, LLMAnswerer
from bot.llm_capability import check_chat_template
from bot.models import Turn
from tests.bot.web.conftest import start_server

REPO = Path(__file__).resolve().parents[2]
OYSTER = "香港に牡蠣は今出せますか？"


def _services(settings):
    from bot.services import build_services

    return build_services(settings)


def test_the_servers_template_is_the_models_own(llm_url):
    report = check_chat_template(llm_url)
    assert report.checked and report.usable, report.reason
    assert "<start_of_turn>" in report.reason


def test_the_length_cap_holds_and_a_capped_answer_is_rejected(llm_settings, caplog):
    settings = llm_settings(llm_max_tokens=8)
    answerer = LLMAnswerer.from_settings(settings)
    completion = answerer._complete("日本の首都はどこですか？一文で答えてください。")
    assert completion.finish_reason == "length"
    services = _services(settings)
    with caplog.at_level("WARNING", logger="bot.answer_llm"):
        answer = services.chain.ask(OYSTER)
    assert answer.mode == "fallback" and "finish_reason=length" in answer.fallback_reason
    assert any("finish_reason=length" in r.getMessage() for r in caplog.records)


QUESTIONS = ["いちごを台湾に輸出するには何が必要？", OYSTER, "輸出の相談はどこにすればいい？"]


def test_the_base_models_answers_fail_the_content_rules_even_without_the_cap(llm_settings):
    """The base model never stops by itself, so the cap rejects it first; the other rules must catch it too."""
    from bot.answer_check import check_answer
    from bot.query import analyze

    services = _services(llm_settings(llm_max_tokens=64, llm_timeout_seconds=180.0))
    answerer = services.chain.llm
    reasons = []
    for question in QUESTIONS:
        analysis = analyze(question)
        context = answerer.context_hits(services.chain.retriever.search(analysis, k=8), None)
        completion = answerer._complete(answerer.prompt(analysis, context))
        verdict = check_answer(completion.text.strip(), [h.chunk.text for h in context], question=analysis.normalized,
                               prompt_lines=answerer._answer_lines, finish_reason=None)
        reasons.append(verdict.reason)
        assert not verdict.ok, f"the base model's answer to {question!r} passed: {completion.text!r}"
    print(reasons)


def test_a_timeout_falls_back_to_the_extractive_answer(llm_settings):
    services = _services(llm_settings(llm_timeout_seconds=0.5))
    answer = services.chain.ask(OYSTER)
    assert answer.mode == "fallback" and answer.fallback_reason.startswith("endpoint:")
    assert answer.text.startswith("【結論】") and answer.citations[0].doc_id == "oyster-hongkong"


def test_the_stream_times_out_on_the_whole_answer_not_per_token(llm_settings):
    answerer = LLMAnswerer.from_settings(llm_settings(llm_timeout_seconds=3.0, llm_max_tokens=4096))
    pieces: list[str] = []
    try:
        answerer._complete("次の文を100回繰り返してください：輸出の相談。", on_token=pieces.append)
    except EndpointFailed as exc:
        assert "within 3 s" in str(exc) or "timed out" in str(exc).lower()
    else:
        raise AssertionError("a 4096-token answer on 2 cores finished within 3 s")


def test_tokens_stream_and_the_base_models_garbage_is_replaced(llm_settings):
    services = _services(llm_settings())
    stream = services.chain.stream(OYSTER)
    pieces = list(stream)
    assert len(pieces) > 1, "the model's tokens must arrive one by one"
    # the base model never writes a checked answer; the one thing it must not do is say 「はい」 here
    assert stream.answer.mode == "fallback" and stream.replaced
    assert stream.answer.text.startswith("【結論】2023年8月以降")


def test_sse_carries_the_models_tokens_then_the_replacement(llm_settings):
    from bot.web.app import create_app

    settings = llm_settings()
    server = start_server(create_app(settings, _services(settings)))
    try:
        with httpx.stream("POST", f"{server.url}/api/ask/stream", json={"question": OYSTER}, timeout=120) as response:
            body = response.read().decode("utf-8")
    finally:
        server.stop()
    names = [line[6:].strip() for line in body.splitlines() if line.startswith("event:")]
    assert names.count("answer") > 1 and names[-1] == "done"
    done = json.loads(body.rsplit("data:", 1)[1])
    assert done["mode"] in ("llm", "fallback")
    assert ("replace" in names) == (done["mode"] == "fallback")


def test_a_garbage_condensation_keeps_the_rule_based_followup(llm_settings):
    from evals.runner import without_llm

    services = _services(llm_settings())
    conversation = [Turn(role="user", text="牡蠣は今、香港に輸出できますか？"), Turn(role="assistant", text="…")]
    answer = services.chain.ask("シンガポールはどう？", conversation=conversation)
    rule_based = without_llm(services.chain).ask("シンガポールはどう？", conversation=conversation)
    assert answer.slots == rule_based.slots and answer.slots["country"] == "シンガポール"
    assert answer.abstained == rule_based.abstained


def test_evals_in_llm_mode_count_served_and_rejected_and_never_fall_below_extractive(llm_url, tmp_path):
    corpus = Path(os.environ.get("EXPORT_BOT_CORPUS_DIR", REPO.parent / "shared" / "corpus"))
    sources = [str(REPO / "knowledge")] + ([str(corpus)] if corpus.is_dir() else [])
    env = {**os.environ, "EXPORT_BOT_ANSWERER": "llm", "EXPORT_BOT_LLM_BASE_URL": llm_url,
           "EXPORT_BOT_LLM_MODEL": "gemma-3-270m", "PYTHONPATH": str(REPO)}  # the product defaults otherwise
    index = tmp_path / "index"
    subprocess.run([sys.executable, "-m", "ingest", *sources, "--index", str(index)], check=True, env=env, cwd=REPO,
                   stdout=subprocess.DEVNULL)
    out = Path(os.environ.get("EXPORT_BOT_LLM_TEST_RESULTS", tmp_path / "report"))
    dataset = Path(os.environ.get("EXPORT_BOT_LLM_TEST_DATASET", REPO / "evals" / "datasets" / "test.jsonl"))
    if os.environ.get("EXPORT_BOT_LLM_TEST_ITEMS"):  # the first N items: a quicker run on a slow machine
        lines = dataset.read_text(encoding="utf-8").splitlines()[: int(os.environ["EXPORT_BOT_LLM_TEST_ITEMS"])]
        dataset = tmp_path / "dataset.jsonl"
        dataset.write_text("\n".join(lines) + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "evals", "run", "--dataset", str(dataset), "--index", str(index),
                    "--baselines", "extractive", "--results-out", str(out / "results.jsonl"), "--report-out", str(out),
                    "--quiet"], check=True, env=env, cwd=REPO)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    llm, extractive = summary["summaries"]["assistant"], summary["summaries"]["extractive"]
    assert llm["llm_served"] + llm["llm_rejected"] > 0 and extractive["llm_served"] == extractive["llm_rejected"] == 0
    for key in ("all_facts", "fact_recall", "citation_correct", "false_abstention"):
        print(key, llm[key], extractive[key])
    assert llm["all_facts"] >= extractive["all_facts"] and llm["fact_recall"] >= extractive["fact_recall"]
