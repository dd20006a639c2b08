"""/api/ask/stream in LLM mode, served by a real uvicorn, with the fake OpenAI-compatible server behind the chain:
tokens go out as the model writes them; a rejected stream is replaced by the extractive answer with a notice."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot import texts
from bot.settings import Settings
from tests.bot.fake_openai import GOOD, FakeOpenAI
from tests.bot.web.conftest import start_server

QUESTION = "香港に牡蠣は今出せますか？"


@pytest.fixture(scope="module")
def fake_llm():
    server = FakeOpenAI()
    yield server
    server.close()


@pytest.fixture(scope="module")
def llm_web(small_index_dir: Path, tmp_path_factory, fake_llm):
    from bot.services import build_services
    from bot.web.app import create_app

    tmp = tmp_path_factory.mktemp("llm-web")
    settings = Settings(
        _env_file=None, index_dir=small_index_dir, feedback_db=tmp / "feedback.sqlite3",
        curated_answers_path=tmp / "curated.jsonl", rate_limit_per_minute=100000,
        answerer="llm", llm_base_url=fake_llm.url, llm_model="test-model", llm_timeout_seconds=5.0,
    )
    server = start_server(create_app(settings, build_services(settings)))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh(fake_llm):
    fake_llm.reset()
    yield
    if fake_llm.gate is not None:
        fake_llm.gate.set()


def sse_events(response: httpx.Response) -> Iterator[tuple[str, dict]]:
    """Events as they arrive on the wire."""
    name, data = "message", []
    for line in response.iter_lines():
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
        elif not line and data:
            yield name, json.loads("\n".join(data))
            name, data = "message", []


def test_llm_tokens_reach_the_client_while_the_model_is_still_writing(llm_web, fake_llm):
    fake_llm.gate = threading.Event()
    seen: list[tuple[str, dict]] = []
    with httpx.stream("POST", f"{llm_web.url}/api/ask/stream", json={"question": QUESTION}, timeout=30) as response:
        assert response.status_code == 200
        for name, data in sse_events(response):
            seen.append((name, data))
            if name == "answer" and not fake_llm.gate.is_set():
                assert GOOD.startswith(data["text"]) and data["text"] != GOOD  # only the first token so far
                fake_llm.gate.set()
    assert fake_llm.gate_was_set is True, "the first token reached the client only after the model had finished"
    names = [n for n, _ in seen]
    assert names[-2:] == ["citations", "done"] and "replace" not in names
    assert "".join(d["text"] for n, d in seen if n == "answer") == GOOD
    done = seen[-1][1]
    assert done["mode"] == "llm" and done["text"].startswith("【結論】") and done["text"].endswith(GOOD)


def test_a_rejected_stream_is_replaced_with_a_notice_and_done_carries_the_extractive_answer(llm_web, fake_llm):
    fake_llm.content = "はい、香港は2023年8月以降、宮城県の水産物の輸入を止めています。[1]"  # contradicts the rule note
    with httpx.stream("POST", f"{llm_web.url}/api/ask/stream", json={"question": QUESTION}, timeout=30) as response:
        seen = list(sse_events(response))
    names = [n for n, _ in seen]
    assert names.index("answer") < names.index("replace") < names.index("done")
    assert "".join(d["text"] for n, d in seen if n == "answer") == fake_llm.content
    replace = dict(seen)["replace"]
    done = seen[-1][1]
    assert replace["notice"] == texts.LLM_REPLACED_NOTICE
    assert done["mode"] == "fallback" and done["text"] == replace["text"]
    assert done["text"].startswith("【結論】2023年8月以降") and not done["text"].startswith("はい")


@pytest.fixture(scope="module")
def browser():
    from tests.bot.web.test_browser import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


def _ask_in_widget(browser, url: str, question: str):
    from tests.bot.web.test_browser import open_demo

    context, page, problems = open_demo(browser, url, 1280, 800)
    page.get_by_role("button", name=texts.WIDGET_TEXTS["open"]).click()
    box = page.get_by_role("textbox", name=texts.WIDGET_TEXTS["input_label"])
    box.fill(question)
    box.press("Enter")
    return context, page, problems


@pytest.mark.browser
def test_the_widget_shows_tokens_as_they_arrive(browser, llm_web, fake_llm):
    fake_llm.gate = threading.Event()
    context, page, problems = _ask_in_widget(browser, llm_web.url, QUESTION)
    text = page.locator(".msg.answer .answer-text").last
    # the model has sent its first token only: the widget already shows it
    page.wait_for_function("t => document.querySelector('export-assistant-widget').shadowRoot"
                           ".querySelector('.msg.answer .answer-text').textContent.length > 0", arg=None, timeout=10000)
    shown = text.inner_text()
    assert GOOD.startswith(shown) and shown != GOOD
    fake_llm.gate.set()
    page.locator(".msg.answer .sources a").first.wait_for(state="visible", timeout=30000)
    assert fake_llm.gate_was_set is True
    assert text.inner_text().startswith("【結論】") and page.locator(".msg.answer .notice").count() == 0
    assert problems == []
    context.close()


@pytest.mark.browser
def test_the_widget_replaces_a_rejected_stream_with_a_visible_notice(browser, llm_web, fake_llm):
    fake_llm.content = "はい、香港は2023年8月以降、宮城県の水産物の輸入を止めています。[1]"
    context, page, problems = _ask_in_widget(browser, llm_web.url, QUESTION)
    page.locator(".msg.answer .sources a").first.wait_for(state="visible", timeout=30000)
    notice = page.locator(".msg.answer .notice")
    assert notice.is_visible() and notice.inner_text() == texts.LLM_REPLACED_NOTICE
    assert page.locator(".msg.answer .answer-text").inner_text().startswith("【結論】2023年8月以降")
    assert problems == []
    context.close()
