"""The optional LLM answerer against a real OpenAI-compatible HTTP server on loopback (tests/bot/fake_openai.py):
the request's bounds, the answer check, the fallback, checked condensation, token streaming, the template check."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot import texts
from bot.models import Turn
from bot.settings import Settings
from tests.bot.fake_openai import CHATML_RENDERED, GEMMA_TEMPLATE, GOOD, FakeOpenAI


@pytest.fixture(scope="module")
def fake_llm():
    server = FakeOpenAI()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _fresh_behaviour(fake_llm):
    fake_llm.reset()
    yield
    if fake_llm.gate is not None:
        fake_llm.gate.set()


def llm_settings(index_dir: Path, tmp: Path, url: str, **overrides) -> Settings:
    return Settings(
        _env_file=None, index_dir=index_dir, curated_answers_path=tmp / "curated.jsonl",
        answerer="llm", llm_base_url=url, llm_model="test-model", llm_timeout_seconds=1.0, **overrides,
    )


@pytest.fixture(scope="module")
def llm_services(small_index_dir: Path, tmp_path_factory, fake_llm):
    from bot.services import build_services

    return build_services(llm_settings(small_index_dir, tmp_path_factory.mktemp("llm"), fake_llm.url))


QUESTION = "香港に牡蠣は今出せますか？"
STATUS = "【結論】2023年8月以降、香港は宮城県を含む10都県の水産物の輸入を止めています。[1]"


def test_the_request_is_bounded_stopped_and_deterministic(llm_services, fake_llm):
    llm_services.chain.ask(QUESTION)
    request = fake_llm.requests[-1]
    assert request["max_completion_tokens"] == Settings(_env_file=None).llm_max_tokens == 320
    assert request["stop"] == ["<end_of_turn>", "<|im_end|>", "\n資料:", "\n質問:"]
    assert request["temperature"] == 0 and request["model"] == "test-model"
    prompt = request["messages"][-1]["content"]
    assert "[1]" in prompt and "資料にないことは書かない" in prompt


def test_grounded_cited_answer_is_served_after_the_status_lead(llm_services):
    answer = llm_services.chain.ask(QUESTION)
    assert answer.mode == "llm" and answer.fallback_reason is None
    assert answer.text == f"{STATUS}\n{GOOD}"
    assert [c.doc_id for c in answer.citations] == ["oyster-hongkong"]


REJECTED = {
    "cut": ("香港は2023年8月以降、宮城県の水産物の輸入を", "length", "finish_reason=length"),
    "loop": ("香港は輸入を止めています。[1]\n香港は輸入を止めています。[1]\n香港は輸入を止めています。[1]", "stop", "repetition loop"),
    "header": ("[1] カキの香港向け輸出 / 現在の状況\n[2] 農林水産物", "stop", "headers"),
    "echo": ("香港に牡蠣は今出せますか? 香港は輸入を止めています。[1]", "stop", "echoes"),
    "prompt": ("資料にないことは書かない。香港は輸入を止めています。[1]", "stop", "echoes"),
    "says_yes": ("はい、香港は2023年8月以降、宮城県の水産物の輸入を止めています。[1]", "stop", "says 'no'"),
    "uncited": ("香港は2023年8月以降、宮城県の水産物の輸入を止めています。", "stop", "without a citation"),
    "number": ("香港は2021年8月以降、宮城県の水産物の輸入を止めています。[1]", "stop", "numbers ['2021']"),
    "name": ("香港は2023年8月以降、北海道の水産物の輸入を止めています。[1]", "stop", "names ['北海道']"),
    "out_of_range": ("香港へのカキの輸出は止まっています。[7]", "stop", "outside"),
    "no_answer": ("NO_ANSWER", "stop", "NO_ANSWER"),
}


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_an_answer_that_fails_the_check_falls_back_with_its_reason(llm_services, fake_llm, case, caplog):
    fake_llm.content, fake_llm.finish_reason, reason = REJECTED[case]
    with caplog.at_level("INFO", logger="bot.answer_llm"):
        answer = llm_services.chain.ask(QUESTION)
    assert answer.mode == "fallback" and reason in answer.fallback_reason
    assert answer.text.startswith("【結論】") and "2023年8月" in answer.text
    assert answer.citations[0].doc_id == "oyster-hongkong"
    assert any(reason in r.getMessage() for r in caplog.records), "the fallback must be logged with its reason"


@pytest.mark.parametrize("behaviour", ["slow", "error", "garbage"])
def test_a_failed_endpoint_falls_back_to_the_extractive_answer(llm_services, fake_llm, behaviour, caplog):
    fake_llm.behaviour = behaviour
    with caplog.at_level("WARNING", logger="bot.answer_llm"):
        answer = llm_services.chain.ask(QUESTION)
    assert answer.mode == "fallback" and answer.fallback_reason.startswith("endpoint:")
    assert "2023年8月" in answer.text and answer.citations[0].doc_id == "oyster-hongkong"
    assert any("endpoint failed" in r.getMessage() for r in caplog.records)


STRAWBERRY_TAIWAN = [Turn(role="user", text="いちごを台湾に輸出するときの注意点は？"), Turn(role="assistant", text="…")]


def test_a_checked_condensed_followup_is_used(llm_services, fake_llm):
    before = len(fake_llm.requests)
    answer = llm_services.chain.ask("じゃあ香港は？", conversation=STRAWBERRY_TAIWAN)
    condense = [r["messages"][-1]["content"] for r in fake_llm.requests[before:] if "最後の質問" in r["messages"][-1]["content"]]
    assert condense and "じゃあ香港は" in condense[0] and "いちごを台湾に輸出するときの注意点は" in condense[0]
    assert answer.slots["question"] == "いちごを香港に輸出するときの注意点は?"
    # the small corpus has nothing on strawberries to Hong Kong: the Taiwan note is no answer, at most related facts
    # under a lead saying Hong Kong is missing
    assert answer.outcome in ("abstain", "partial") and answer.mode in ("abstain", "partial")
    if answer.outcome == "partial":
        assert answer.text.startswith(texts.partial_lead("香港"))


@pytest.mark.parametrize("condensed, reason", [
    # the prompt echoed (it names both slots, so only the echo rule can reject it)
    ("いちごを香港に。品目や輸出先など、前の質問から引き継ぐべき情報を補ってください。", "echoes the prompt"),
    ("香港に輸出するときの注意点は?", "drops the conversation's ['いちご']"),
    ("いちごを香港に輸出するときの注意点は?\nいちごを香港に輸出するときの注意点は?", "2 lines"),
])
def test_a_condensed_followup_that_fails_the_check_keeps_the_rule_based_rewrite(llm_services, fake_llm, condensed,
                                                                               reason, caplog):
    fake_llm.condensed = condensed
    with caplog.at_level("WARNING", logger="bot.answer_llm"):
        answer = llm_services.chain.ask("じゃあ香港は？", conversation=STRAWBERRY_TAIWAN)
    assert answer.slots["question"] == "いちごを香港に輸出するときの注意点は?"  # the rule-based rewrite
    assert answer.slots["product"] == "いちご" and answer.slots["country"] == "香港"
    assert any("condensed follow-up rejected" in r.getMessage() and reason in r.getMessage() for r in caplog.records)


def test_tokens_reach_the_stream_before_the_model_has_finished(llm_services, fake_llm):
    fake_llm.gate = threading.Event()
    stream = llm_services.chain.stream(QUESTION)
    pieces = iter(stream)
    first = next(pieces)  # the server holds the rest of the answer until the gate opens
    assert GOOD.startswith(first) and first != GOOD
    fake_llm.gate.set()
    rest = list(pieces)
    assert fake_llm.gate_was_set is True, "the first token came only after the server had given up waiting"
    assert first + "".join(rest) == GOOD
    assert stream.answer.mode == "llm" and stream.answer.text == f"{STATUS}\n{GOOD}" and not stream.replaced
    assert fake_llm.requests[-1]["stream"] is True


def test_closing_a_stream_drops_the_request_to_the_model(llm_services, fake_llm):
    fake_llm.gate = threading.Event()
    stream = llm_services.chain.stream(QUESTION)
    pieces = iter(stream)
    next(pieces)
    stream.close()  # the reader went away after the first token
    fake_llm.gate.set()
    assert stream.wait(timeout=10)
    assert "closed the stream" in stream.answer.fallback_reason


def test_a_rejected_stream_is_replaced_by_the_extractive_answer(llm_services, fake_llm):
    fake_llm.content = REJECTED["says_yes"][0]
    stream = llm_services.chain.stream(QUESTION)
    assert "".join(stream) == fake_llm.content
    assert stream.replaced and stream.answer.mode == "fallback" and "says 'no'" in stream.answer.fallback_reason
    assert stream.answer.text.startswith("【結論】2023年8月以降")


def test_a_stream_that_runs_past_the_timeout_is_cut_and_falls_back(llm_services, fake_llm):
    fake_llm.behaviour = "trickle"  # a token every 0.5 s against a 1 s budget: the per-read timeout never fires
    stream = llm_services.chain.stream(QUESTION)
    shown = "".join(stream)
    assert shown and shown != GOOD
    assert stream.replaced and "no whole answer within 1 s" in stream.answer.fallback_reason


def test_a_stream_without_the_llm_gives_the_finished_text(llm_services):
    stream = llm_services.chain.stream("南極にカキを輸出する関税率は？")  # abstains: the LLM is not asked
    assert "".join(stream) == stream.answer.text and not stream.replaced
    assert stream.answer.mode in ("abstain", "partial")  # the documents lack it: the LLM is not asked


def _build(index_dir, tmp_path, fake_llm, **overrides):
    from bot.services import build_services

    return build_services(llm_settings(index_dir, tmp_path, fake_llm.url, **overrides))


def test_a_template_the_model_lacks_the_markers_of_switches_llm_mode_off(small_index_dir, tmp_path, fake_llm, caplog):
    fake_llm.template, fake_llm.rendered = "{{ chatml fallback }}", CHATML_RENDERED
    with caplog.at_level("ERROR", logger="bot.answer_llm"):
        services = _build(small_index_dir, tmp_path, fake_llm)
    assert services.chain.llm is None
    assert any("<|im_start|>" in r.getMessage() and "--chat-template-file" in r.getMessage() for r in caplog.records)
    assert services.chain.ask(QUESTION).mode == "extractive"


def test_the_models_own_template_and_a_server_without_props_keep_llm_mode(small_index_dir, tmp_path, fake_llm):
    fake_llm.template = GEMMA_TEMPLATE
    assert _build(small_index_dir, tmp_path, fake_llm).chain.llm is not None
    fake_llm.template = None  # OpenAI, Azure, vLLM, Ollama: the server owns the template
    assert _build(small_index_dir, tmp_path, fake_llm).chain.llm is not None


def test_the_template_check_can_be_switched_off(small_index_dir, tmp_path, fake_llm):
    fake_llm.template, fake_llm.rendered = "{{ chatml fallback }}", CHATML_RENDERED
    assert _build(small_index_dir, tmp_path, fake_llm, llm_template_check="off").chain.llm is not None


def test_an_empty_template_switches_llm_mode_off(small_index_dir, tmp_path, fake_llm):
    fake_llm.template = ""
    assert _build(small_index_dir, tmp_path, fake_llm).chain.llm is None
