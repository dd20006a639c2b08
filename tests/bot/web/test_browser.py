"""A real headless Chromium drives the widget on /demo against a real uvicorn on loopback."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot import texts
from bot.feedback import FeedbackStore
from tests.bot.web.conftest import free_port, start_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
T = texts.WIDGET_TEXTS
QUESTION = "カキは香港に輸出できますか"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (/usr/bin/chromium): apt-get install -y chromium"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def screenshots(repo_root: Path) -> Path:
    path = repo_root / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def open_demo(browser, url: str, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="ja-JP")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{url}/demo")
    return context, page, problems


def active_element_id(page) -> str | None:
    return page.evaluate(
        "() => { const a = document.activeElement; return a && a.shadowRoot && a.shadowRoot.activeElement"
        " ? a.shadowRoot.activeElement.id || a.shadowRoot.activeElement.className : (a && a.tagName) }"
    )


# WCAG relative-luminance contrast of every text-bearing element of the widget against its effective background
CONTRAST_JS = """
() => {
  const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = el => {
    for (let node = el; node; node = node.parentElement || (node.getRootNode && node.getRootNode().host)) {
      const bg = parse(getComputedStyle(node).backgroundColor);
      if (bg.length === 3 || (bg.length === 4 && bg[3] === 1)) return bg.slice(0, 3);
      if (node.classList && node.classList.contains('root')) break;
    }
    return [255, 255, 255];
  };
  const root = document.querySelector('export-assistant-widget').shadowRoot;
  const worst = [];
  root.querySelectorAll('*').forEach(el => {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length || el.closest('.sr-only')) return;
    const fg = lum(parse(getComputedStyle(el).color)), bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    worst.push([Math.round(ratio * 100) / 100, el.tagName + '.' + el.className, el.textContent.slice(0, 20)]);
  });
  return worst.sort((a, b) => a[0] - b[0]);
}
"""


def record_asks(page) -> list:
    """Every /api/ask/stream request the widget sends, in order."""
    requests: list = []
    page.on("request", lambda request: request.url.endswith("/api/ask/stream") and requests.append(request))
    return requests


def sent_bodies(requests) -> list[dict]:
    return [json.loads(request.post_data) for request in requests]


def ask_and_wait(page, question: str):
    page.get_by_role("textbox", name=T["input_label"]).fill(question)
    page.get_by_role("textbox", name=T["input_label"]).press("Enter")
    answer = page.locator(".msg.answer").last
    answer.locator(".sources a").first.wait_for(state="visible", timeout=60000)
    return answer


def test_desktop_ask_stream_cite_and_open_the_source(browser, live_server, screenshots):
    context, page, problems = open_demo(browser, live_server.url, 1280, 800)
    page_requests = record_asks(page)
    launcher = page.get_by_role("button", name=T["open"])
    # the host page's hostile CSS (serif, yellow dashed buttons) does not reach into the widget
    style = launcher.evaluate("b => { const s = getComputedStyle(b); return [s.fontFamily, s.backgroundColor, s.borderTopStyle] }")
    assert "Times" not in style[0] and style[1] == "rgb(11, 83, 148)" and style[2] == "none"
    page.screenshot(path=str(screenshots / "desktop-1-closed.png"))

    launcher.click()
    assert active_element_id(page) == "ea-input"  # focus moves into the panel
    dialog = page.get_by_role("dialog", name="輸出相談アシスタント")
    assert dialog.is_visible()
    assert page.get_by_role("button", name=T["examples"][1]).is_visible()
    page.screenshot(path=str(screenshots / "desktop-2-open.png"))

    box = page.get_by_role("textbox", name=T["input_label"])
    box.fill("香港")
    # Enter while an IME is composing must not send; Shift+Enter is a newline
    box.evaluate("t => t.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', keyCode: 229, isComposing: true, bubbles: true, cancelable: true}))")
    box.press("Shift+Enter")
    assert page.locator(".msg.user").count() == 0
    assert box.input_value() == "香港\n"

    answer = ask_and_wait(page, QUESTION)
    assert "香港" in answer.locator(".answer-text").inner_text()
    assert answer.locator(".asof").inner_text().startswith(T["as_of"])
    assert answer.locator(".disclaimer").is_visible()
    assert page.locator(".log").get_attribute("aria-live") == "polite"
    source_link = answer.locator(".sources a").first
    href = source_link.get_attribute("href")
    assert href.startswith(f"{live_server.url}/sources/oyster-hongkong#")
    assert source_link.get_attribute("target") == "_blank"
    assert sent_bodies(page_requests)[-1]["conversation_id"] is None  # a first question starts a conversation
    page.screenshot(path=str(screenshots / "desktop-3-answer.png"))
    contrasts = page.evaluate(CONTRAST_JS)
    assert len(contrasts) > 10
    assert contrasts[0][0] >= 4.5, contrasts[:3]

    answer.get_by_role("button", name=T["helpful"]).click()
    answer.get_by_text(T["feedback_thanks"]).wait_for()
    assert FeedbackStore(live_server.app.state.web.settings.feedback_db).entries(limit=5)[0].question == QUESTION

    with page.expect_popup() as popup_info:
        source_link.click()
    source = popup_info.value
    source.wait_for_load_state()
    anchor = href.split("#")[1]
    assert source.url.endswith(f"/sources/oyster-hongkong#{anchor}")
    assert source.locator(f"section#{anchor}").is_visible()
    assert "香港" in source.locator("h1").inner_text()
    source.screenshot(path=str(screenshots / "desktop-4-source.png"), full_page=True)

    # follow-up in the same conversation (kept by the page)
    follow = ask_and_wait(page, "いちごを台湾に輸出するときの注意点は？")
    assert follow.locator(".sources a").count() >= 1
    conversation = sent_bodies(page_requests)[-1]["conversation_id"]
    assert len(conversation) == 32 and live_server.app.state.web.conversations.turns(conversation)

    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert active_element_id(page) == "launcher"  # focus back on the launcher
    assert problems == []  # no CSP violation, no script error
    context.close()


def test_phone_width_panel_is_full_screen_and_answers(browser, live_server, screenshots):
    context, page, problems = open_demo(browser, live_server.url, 375, 740)
    page.get_by_role("button", name=T["open"]).click()
    panel = page.get_by_role("dialog", name="輸出相談アシスタント").bounding_box()
    assert (panel["x"], panel["y"], panel["width"], panel["height"]) == (0, 0, 375, 740)
    page.screenshot(path=str(screenshots / "phone-1-open.png"))
    page.get_by_role("button", name=T["examples"][1]).click()  # example questions are clickable
    answer = page.locator(".msg.answer").last
    answer.locator(".sources a").first.wait_for(state="visible", timeout=60000)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375  # nothing sticks out sideways
    page.screenshot(path=str(screenshots / "phone-2-answer.png"))
    consult = page.get_by_role("link", name=T["consult"])
    assert consult.get_attribute("href") == f"{live_server.url}/sources/contact-export-consultation"
    assert problems == []
    context.close()


def test_rate_limited_and_offline_messages(browser, make_app, screenshots):
    server = start_server(make_app(rate_limit_per_minute=1))
    try:
        context, page, _ = open_demo(browser, server.url, 1024, 768)
        page.get_by_role("button", name=T["open"]).click()
        ask_and_wait(page, QUESTION)
        box = page.get_by_role("textbox", name=T["input_label"])
        box.fill("もう一度")
        box.press("Enter")
        alert = page.get_by_role("alert")
        alert.filter(has_text="秒ほど待って").wait_for(timeout=30000)
        page.screenshot(path=str(screenshots / "desktop-5-rate-limited.png"))
        context.set_offline(True)
        box.fill("オフラインの質問")
        box.press("Enter")
        alert.filter(has_text=T["offline"]).wait_for(timeout=30000)
        assert box.input_value() == "オフラインの質問"  # nothing typed is lost
        context.close()
    finally:
        server.stop()


def host_page_app(api_url: str):
    """The prefecture's own site on another origin: a bare Starlette app serving one page with the snippet."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    # pasted into <head> and without defer, as a hurried CMS edit might: the widget waits for <body>
    page = (
        '<!doctype html><html lang="ja"><head><meta charset="shift_jis"><title>host</title>'
        f'<script src="{api_url}/widget.js" data-api="{api_url}" data-title="輸出相談アシスタント"></script>'
        "</head><body><h1>Prefecture site</h1></body></html>"
    )

    async def index(request):
        # a host page in Shift_JIS: the widget must not depend on the page's charset
        return HTMLResponse(page.encode("shift_jis"), media_type="text/html; charset=shift_jis")

    return Starlette(routes=[Route("/", index)])


@pytest.mark.parametrize("allowed", [True, False], ids=["allowed-origin", "other-origin"])
def test_widget_on_another_origin_works_only_where_cors_allows(browser, make_app, allowed):
    host_port = free_port()
    host_origin = f"http://127.0.0.1:{host_port}"
    api = start_server(make_app(cors_origins=[host_origin] if allowed else ["https://www.pref.example.jp"]))
    host = start_server(host_page_app(api.url), port=host_port)
    try:
        context = browser.new_context(viewport={"width": 1024, "height": 768})
        page = context.new_page()
        page.goto(host_origin + "/")
        page.get_by_role("button", name=T["open"]).click()
        box = page.get_by_role("textbox", name=T["input_label"])
        box.fill(QUESTION)
        box.press("Enter")
        if allowed:
            link = page.locator(".msg.answer .sources a").first
            link.wait_for(state="visible", timeout=60000)
            assert link.get_attribute("href").startswith(f"{api.url}/sources/")
        else:
            page.get_by_role("alert").filter(has_text=T["error"]).wait_for(timeout=30000)
            assert page.locator(".msg.answer").count() == 0
        context.close()
    finally:
        host.stop()
        api.stop()


@pytest.fixture(scope="module")
def clarify_server(web_settings, small_corpus_dir: Path, repo_root: Path, index_config, tmp_path_factory):
    """The small corpus plus a second seafood rule (Korea): a destination-less seafood question must ask back."""
    import shutil

    from bot.services import build_services
    from bot.web.app import create_app
    from ingest.index.build import build_index

    corpus = tmp_path_factory.mktemp("clarify-corpus")
    for source in (small_corpus_dir, repo_root / "tests" / "fixtures" / "clarify_extra"):
        for note in source.glob("*.md"):
            shutil.copy(note, corpus / note.name)
    index_dir = tmp_path_factory.mktemp("clarify-index")
    assert build_index([corpus], index_dir, index_config).failures == []
    settings = web_settings.model_copy(update={
        "index_dir": index_dir, "curated_answers_path": index_dir / "curated.jsonl",
        "feedback_db": index_dir / "feedback.sqlite3",
    })
    server = start_server(create_app(settings, build_services(settings)))
    yield server
    server.stop()


def test_a_destination_less_rule_question_offers_countries_and_a_click_answers(browser, clarify_server, screenshots):
    context, page, problems = open_demo(browser, clarify_server.url, 1280, 800)
    page.get_by_role("button", name=T["open"]).click()
    box = page.get_by_role("textbox", name=T["input_label"])
    box.fill("カキって輸出できますか？")
    box.press("Enter")
    options = page.locator(".msg.answer").last.get_by_role("group")
    options.locator("button").first.wait_for(state="visible", timeout=60000)
    labels = options.locator("button").all_inner_texts()
    assert {"香港", "韓国"} <= set(labels)
    assert page.locator(".msg.answer").last.locator(".sources a").count() == 0  # a question back, not an answer
    page.screenshot(path=str(screenshots / "desktop-6-clarify.png"))

    options.get_by_role("button", name="韓国").click()
    answer = page.locator(".msg.answer").last
    answer.locator(".sources a").first.wait_for(state="visible", timeout=60000)
    assert "韓国" in answer.locator(".answer-text").inner_text()
    assert answer.locator(".sources a").first.get_attribute("href").startswith(f"{clarify_server.url}/sources/oyster-korea#")
    assert problems == []
    context.close()


def box_of(page):
    return page.get_by_role("textbox", name=T["input_label"])


def test_what_was_typed_stays_on_every_error(browser, make_app, screenshots):
    server = start_server(make_app(rate_limit_per_minute=3, max_question_chars=30))
    try:
        context, page, _ = open_demo(browser, server.url, 1024, 768)
        page.get_by_role("button", name=T["open"]).click()
        box, alert = box_of(page), page.get_by_role("alert")
        # 400: two characters in the box, 36 once normalized (over the server's 30)
        box.fill("\ufdfa\ufdfa")
        box.press("Enter")
        alert.filter(has_text="30文字以内").wait_for(timeout=30000)
        assert box.input_value() == "\ufdfa\ufdfa" and page.locator(".msg.user").count() == 0
        # 503: every answer slot taken
        limiter = server.app.state.web.concurrency
        held = [f"visitor-{n}" for n in range(limiter.limit)]  # other visitors' answers in progress
        for visitor in held:
            limiter.acquire(visitor)
        try:
            box.fill("混雑時の質問")
            box.press("Enter")
            alert.filter(has_text=texts.WEB_OVERLOADED).wait_for(timeout=30000)
            assert box.input_value() == "混雑時の質問" and page.locator(".msg.user").count() == 0
        finally:
            for visitor in held:
                limiter.release(visitor)
        # network failure after sending (not the offline shortcut)
        page.route("**/api/ask/stream", lambda route: route.abort())
        box.fill("切断される質問")
        box.press("Enter")
        alert.filter(has_text=T["error"]).wait_for(timeout=30000)
        assert box.input_value() == "切断される質問"
        page.unroute("**/api/ask/stream")
        # 429: the three allowed requests are the 400, the 503 and this answer (the aborted one never arrived)
        box.fill(QUESTION)
        box.press("Enter")
        page.locator(".msg.answer .sources a").first.wait_for(state="visible", timeout=60000)
        assert box.input_value() == ""  # answered: now the box empties
        box.fill("もう一度")
        box.press("Enter")
        alert.filter(has_text="秒ほど待って").wait_for(timeout=30000)
        assert box.input_value() == "もう一度"
        assert page.locator(".msg.user").count() == 1  # only the answered question stays in the log
        page.screenshot(path=str(screenshots / "desktop-7-kept-after-429.png"))
        context.close()
    finally:
        server.stop()


def test_input_is_limited_to_the_server_limit_with_a_visible_counter(browser, make_app):
    server = start_server(make_app(max_question_chars=40))
    try:
        context, page, _ = open_demo(browser, server.url, 1024, 768)
        page.get_by_role("button", name=T["open"]).click()
        box = box_of(page)
        assert box.get_attribute("maxlength") == "40"
        counter = page.locator("#ea-counter")
        assert counter.is_visible() and counter.inner_text() == T["counter"].format(count=0, limit=40)
        box.press_sequentially("あ" * 45)  # typing stops at the limit
        assert box.input_value() == "あ" * 40
        assert counter.inner_text() == T["counter"].format(count=40, limit=40)
        assert "full" in counter.get_attribute("class")
        context.close()
    finally:
        server.stop()


def test_a_long_answer_is_shown_from_its_start(browser, live_server, screenshots):
    context, page, _ = open_demo(browser, live_server.url, 375, 520)
    page.get_by_role("button", name=T["open"]).click()
    for question in (QUESTION, "いちごを台湾に輸出するときの注意点は？"):
        answer = ask_and_wait(page, question)
    box = answer.evaluate("a => { const log = a.closest('.log').getBoundingClientRect(); const t = a.querySelector('.answer-text')"
                          ".getBoundingClientRect(); return [log.top, log.bottom, t.top, a.getBoundingClientRect().height] }")
    log_top, log_bottom, text_top, answer_height = box
    assert answer_height > log_bottom - log_top  # the answer is taller than the view: the test means something
    assert log_top <= text_top < log_bottom  # its first line is on screen
    page.screenshot(path=str(screenshots / "phone-3-answer-start.png"))
    context.close()


def test_a_reload_or_a_long_pause_starts_a_new_conversation(browser, make_app):
    server = start_server(make_app(conversation_ttl_seconds=3))
    try:
        context, page, _ = open_demo(browser, server.url, 1024, 768)
        asks = record_asks(page)
        page.get_by_role("button", name=T["open"]).click()
        ask_and_wait(page, QUESTION)
        ask_and_wait(page, "いちごを台湾に輸出するときの注意点は？")
        first_id = sent_bodies(asks)[1]["conversation_id"]  # within the conversation, the id is sent
        assert first_id and server.app.state.web.conversations.turns(first_id)
        page.wait_for_timeout(3500)  # longer than the server keeps the conversation
        ask_and_wait(page, QUESTION)
        assert sent_bodies(asks)[2]["conversation_id"] is None
        assert page.locator(".msg.user").count() == 1  # the old history left the screen with the id
        page.reload()
        page.get_by_role("button", name=T["open"]).click()
        assert page.locator(".msg.user").count() == 0
        ask_and_wait(page, QUESTION)
        assert sent_bodies(asks)[3]["conversation_id"] is None
        context.close()
    finally:
        server.stop()


def test_tab_stays_inside_the_full_screen_dialog_on_a_phone(browser, live_server):
    context, page, _ = open_demo(browser, live_server.url, 375, 740)
    page.get_by_role("button", name=T["open"]).click()
    assert page.get_by_role("dialog").get_attribute("aria-modal") == "true"
    inside = "() => { const h = document.activeElement; const a = h && h.shadowRoot && h.shadowRoot.activeElement;" \
             " return !!a && !!a.closest('.panel') }"
    for key in ["Tab"] * 15 + ["Shift+Tab"] * 15:
        page.keyboard.press(key)
        assert page.evaluate(inside), key
    context.close()
