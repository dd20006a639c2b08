"""A real headless Chromium: a coordinator signs in to /console, reads the charts, works the unanswered queue into a
curated answer, and the widget serves that answer to the next visitor who asks."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot import texts
from bot.web import console_texts as t
from tests.bot.web.conftest import COORDINATOR_TOKEN, start_server
from tests.bot.web.console_rig import own_app, own_services
from tests.bot.web.test_browser import CHROMIUM, CHROMIUM_ARGS, ask_and_wait, open_demo

T = texts.WIDGET_TEXTS
OUT_OF_SCOPE = "ブラジル向けの関税率は何パーセントですか？"
OYSTER = "カキは香港に輸出できますか"
CURATED_BODY = "ブラジル向けの関税率は手元の資料にありません。県の輸出相談窓口が個別にご案内します。"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (/usr/bin/chromium): apt-get install -y chromium"),
]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def server(web_settings, web_services, tmp_path):
    services = own_services(web_services, tmp_path)
    running = start_server(own_app(web_settings, services, tmp_path))
    yield running, services
    running.stop()


@pytest.fixture
def shots(repo_root: Path) -> Path:
    path = repo_root / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def widget_answer(browser, url: str, question: str):
    context, page, problems = open_demo(browser, url, 1280, 800)
    page.get_by_role("button", name=T["open"]).click()
    answer = ask_and_wait(page, question)
    return context, page, answer, problems


def test_sign_in_read_the_charts_write_a_curated_answer_from_the_queue_and_the_widget_serves_it(browser, server,
                                                                                              shots):
    running, services = server
    # two visitors ask what the knowledge base cannot answer, a third what it can
    for question in (OUT_OF_SCOPE, OYSTER, OUT_OF_SCOPE):
        context, page, answer, _ = widget_answer(browser, running.url, question)
        assert (texts.ABSTAIN in answer.locator(".answer-text").inner_text()) == (question == OUT_OF_SCOPE)
        context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{running.url}/console")
    assert page.url.endswith("/console/login")
    page.screenshot(path=str(shots / "console-1-sign-in.png"))
    # keyboard only: the token field has focus, Enter signs in
    page.keyboard.type(COORDINATOR_TOKEN)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{running.url}/console")
    cookie = next(c for c in context.cookies() if c["name"] == "console_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("() => document.cookie") == ""  # invisible to scripts

    assert page.locator("#total").inner_text() == "3"
    for chart in ("chart-per-day", "chart-per-channel", "chart-outcomes", "chart-ratings", "chart-topics"):
        svg = page.locator(f"svg#{chart}")
        assert svg.is_visible() and svg.bounding_box()["width"] > 300, chart
    assert page.locator("svg#chart-outcomes rect").count() >= 1
    page.screenshot(path=str(shots / "console-2-dashboard.png"), full_page=True)

    page.get_by_role("link", name=t.NAV_QUEUE).click()
    group = page.locator("section.group").first
    assert OUT_OF_SCOPE in group.inner_text() and t.queue_count(2) in group.inner_text()
    page.screenshot(path=str(shots / "console-3-queue.png"), full_page=True)

    group.get_by_role("link", name=t.QUEUE_WRITE).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/curated/new?*")
    assert page.get_by_label(t.CURATED_QUESTIONS).input_value() == OUT_OF_SCOPE
    page.get_by_label(t.CURATED_BODY).fill(CURATED_BODY)
    page.get_by_label("輸出相談窓口(テスト用メモ)").check()
    page.get_by_label(t.CURATED_REVIEW_BY).fill("2027-03-31")
    page.screenshot(path=str(shots / "console-4-write.png"), full_page=True)
    page.get_by_role("button", name=t.CURATED_SAVE).click()
    page.wait_for_url("**/console/curated?done=saved")
    assert page.get_by_role("status").inner_text() == t.CURATED_SAVED
    page.screenshot(path=str(shots / "console-5-curated.png"), full_page=True)
    assert problems == []  # no CSP violation, no script error
    context.close()

    # the next visitor gets the coordinators' answer, with its source
    context, page, answer, problems = widget_answer(browser, running.url, OUT_OF_SCOPE)
    text = answer.locator(".answer-text").inner_text()
    assert CURATED_BODY in text and texts.CURATED_LEAD in text
    assert "/sources/contact-export-consultation#" in answer.locator(".sources a").first.get_attribute("href")
    page.screenshot(path=str(shots / "console-6-widget-serves-it.png"))
    assert problems == []
    context.close()
    assert [(r.channel, r.mode) for r in services.consultations.rows()] == [
        ("widget", "abstain"), ("widget", "extractive"), ("widget", "abstain"), ("widget", "curated")]
