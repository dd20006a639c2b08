"""Block Kit rendering: sources with links and as-of dates, disclaimer, and splitting within Slack's limits."""
from __future__ import annotations

import json

from hypothesis import given, settings as hsettings, strategies as st

from bot import texts
from bot.models import Answer, Citation
from bot.slack.blocks import (
    ACTION_CONSULT,
    ACTION_SHARE,
    BLOCKS_LIMIT,
    BUTTON_VALUE_LIMIT,
    SECTION_LIMIT,
    draft_reply_text,
    escape_mrkdwn,
    render_answer,
    split_text,
)


def citation(n: int, **kw) -> Citation:
    base = dict(number=n, chunk_id=f"c{n}", doc_id=f"doc-{n}", title=f"資料{n}", section="第1章 > 概要",
                anchor=f"s-{n}", as_of="2024-08", url=f"/sources/doc-{n}#s-{n}", text="本文")
    base.update(kw)
    return Citation(**base)


def all_section_texts(messages) -> list[str]:
    out = []
    for m in messages:
        for b in m.blocks:
            if b["type"] == "section":
                out.append(b["text"]["text"])
            elif b["type"] == "context":
                out += [e["text"] for e in b["elements"]]
    return out


def test_answer_sources_links_dates_and_disclaimer():
    answer = Answer(text="台湾向けは登録が必要です[1]。", citations=[citation(1)], disclaimer="※所管機関で確認してください。")
    [message] = render_answer(answer, "いちごを台湾に？", public_base_url="https://bot.example.jp/")
    sections = all_section_texts([message])
    assert sections[0] == "台湾向けは登録が必要です[1]。"
    sources = next(s for s in sections if s.startswith(texts.SLACK_SOURCES_HEADING))
    assert "[1] <https://bot.example.jp/sources/doc-1#s-1|資料1 &gt; 第1章 &gt; 概要>（2024-08時点）" in sources
    assert sections[-1] == "※所管機関で確認してください。"
    actions = message.blocks[-1]
    assert actions["type"] == "actions"
    ids = [e["action_id"] for e in actions["elements"]]
    assert ACTION_CONSULT in ids and ACTION_SHARE not in ids
    assert json.loads(actions["elements"][0]["value"]) == {"q": "いちごを台湾に？"}
    assert message.text.startswith(texts.SLACK_FALLBACK_PREFIX)


def test_relative_links_are_not_made_into_broken_slack_links():
    [message] = render_answer(Answer(text="a[1]", citations=[citation(1)]), "q", public_base_url="")
    sources = [s for s in all_section_texts([message]) if s.startswith(texts.SLACK_SOURCES_HEADING)][0]
    assert "<" not in sources and "/sources/doc-1#s-1" in sources


def test_share_button_for_ephemeral_answers():
    [message] = render_answer(Answer(text="a"), "q", share=True, consult=False)
    ids = [e["action_id"] for e in message.blocks[-1]["elements"]]
    assert ACTION_SHARE in ids and ACTION_CONSULT not in ids


def test_long_answer_is_split_within_limits_and_nothing_is_lost():
    sentence = "輸出にあたっては登録が必要です。"
    long_text = "".join(f"{sentence}[{i % 60 + 1}]" for i in range(7000))  # ~140,000 characters: more than 50 sections
    answer = Answer(text=long_text, citations=[citation(n, title="長い資料名" * 30) for n in range(1, 61)],
                    disclaimer="※確認してください。")
    messages = render_answer(answer, "q", public_base_url="https://bot.example.jp")
    assert len(messages) > 1
    for m in messages:
        assert len(m.blocks) <= BLOCKS_LIMIT
        for text in all_section_texts([m]):
            assert len(text) <= SECTION_LIMIT
    blocks = [b for m in messages for b in m.blocks]
    divider = next(i for i, b in enumerate(blocks) if b["type"] == "divider")
    assert "".join(b["text"]["text"] for b in blocks[:divider]) == long_text
    sources = "\n".join(b["text"]["text"] for b in blocks[divider + 1:] if b["type"] == "section")
    assert sources.startswith(texts.SLACK_SOURCES_HEADING)
    for n in range(1, 61):
        assert f"[{n}] <https://bot.example.jp/sources/doc-{n}#s-{n}|" in sources
    # the buttons come once, at the very end
    assert [b["type"] for m in messages for b in m.blocks].count("actions") == 1
    assert messages[-1].blocks[-1]["type"] == "actions"


@hsettings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("あいう。\n. abc！？")), max_size=5000), st.integers(10, 400))
def test_split_text_loses_nothing_and_respects_limit(text, limit):
    pieces = split_text(text, limit)
    assert "".join(pieces) == text
    assert all(0 < len(p) <= limit for p in pieces)


def test_mrkdwn_control_characters_are_escaped():
    [message] = render_answer(Answer(text="<!channel> A&B <@U1>"), "q")
    assert message.blocks[0]["text"]["text"] == "&lt;!channel&gt; A&amp;B &lt;@U1&gt;"
    assert escape_mrkdwn("a>b") == "a&gt;b"


def test_button_value_stays_under_slack_limit():
    [message] = render_answer(Answer(text="a"), "長い質問" * 1000)
    for element in message.blocks[-1]["elements"]:
        assert len(element["value"]) <= BUTTON_VALUE_LIMIT
        assert json.loads(element["value"])["q"].startswith("長い質問")


def test_draft_is_polite_and_lists_sources():
    answer = Answer(text="登録が必要です[1]。", citations=[citation(1)], disclaimer="※確認を。")
    draft = draft_reply_text(answer, "https://bot.example.jp")
    lines = draft.splitlines()
    assert lines[0] == texts.SLACK_DRAFT_GREETING
    assert "登録が必要です[1]。" in lines
    assert texts.SLACK_DRAFT_SOURCES_LEAD in lines
    assert "[1] 資料1 > 第1章 > 概要（2024-08時点） https://bot.example.jp/sources/doc-1#s-1" in lines
    assert lines[-1] == texts.SLACK_DRAFT_CLOSING


def test_clarify_options_become_buttons_in_threads_but_not_in_ephemeral_answers():
    answer = Answer(text="どの国・地域への輸出をお考えですか？", clarify="どの国・地域への輸出をお考えですか？",
                    clarify_options=["台湾", "香港", "タイ"], mode="clarify")
    [message] = render_answer(answer, "q")
    clarify = next(b for b in message.blocks if b.get("block_id") == "clarify_options")
    assert [e["text"]["text"] for e in clarify["elements"]] == ["台湾", "香港", "タイ"]
    assert [json.loads(e["value"]) for e in clarify["elements"]] == [{"c": "台湾"}, {"c": "香港"}, {"c": "タイ"}]
    assert len({e["action_id"] for e in clarify["elements"]}) == 3  # unique within the block
    [ephemeral] = render_answer(answer, "q", share=True)
    assert not [b for b in ephemeral.blocks if b.get("block_id") == "clarify_options"]


def test_a_click_on_a_long_answer_stays_small(tmp_path):
    # Slack posts the clicked message back, form-encoded; the web app refuses bodies over 64 KB
    from urllib.parse import urlencode

    long_text = "".join(f"輸出にあたっては登録が必要です。[{i % 9 + 1}]" for i in range(600))  # ~12,000 characters
    messages = render_answer(Answer(text=long_text, citations=[citation(n) for n in range(1, 10)]), "質問" * 250)
    clicked = next(m for m in messages if any(b["type"] == "actions" for b in m.blocks))
    payload = {"type": "block_actions", "message": {"text": clicked.text, "blocks": clicked.blocks},
               "actions": [clicked.blocks[-1]["elements"][0]]}
    assert len(urlencode({"payload": json.dumps(payload, ensure_ascii=False)})) < 64 * 1024
    # the buttons (feedback, then consult) sit alone after a long answer
    assert [b["type"] for b in clicked.blocks] == ["context_actions", "actions"]
    # nothing of the answer is lost by moving the buttons
    blocks = [b for m in messages for b in m.blocks]
    divider = next(i for i, b in enumerate(blocks) if b["type"] == "divider")
    assert "".join(b["text"]["text"] for b in blocks[:divider]) == long_text


def test_a_short_answer_keeps_its_buttons_on_the_same_message():
    messages = render_answer(Answer(text="短い回答です。[1]", citations=[citation(1)]), "q")
    assert len(messages) == 1 and messages[0].blocks[-1]["type"] == "actions"


def test_the_notification_text_is_escaped_like_the_blocks():
    # M3: a curated answer (or an NFKC-normalised ＜!channel＞) must not put a live mention in `text`
    answer = Answer(text="<!channel> 詳細は <https://evil.example|こちら> & 以上")
    [message] = render_answer(answer, "q")
    assert "<!channel>" not in message.text and "<https://" not in message.text
    assert "&lt;!channel&gt;" in message.text and "&amp; 以上" in message.text


def test_feedback_is_slacks_native_element_carrying_rating_and_question():
    [message] = render_answer(Answer(text="短い回答です。"), "いちごの質問")
    [feedback] = [b for b in message.blocks if b["type"] == "context_actions"]
    [element] = feedback["elements"]
    assert element["type"] == "feedback_buttons"
    assert json.loads(element["positive_button"]["value"]) == {"r": "up", "q": "いちごの質問"}
    assert json.loads(element["negative_button"]["value"]) == {"r": "down", "q": "いちごの質問"}


def test_a_partial_answer_leads_with_what_the_documents_lack_in_bold():
    lead = texts.partial_lead("2024年の件数")
    answer = Answer(text=f"{lead}\n2023年は292件でした。[1]", outcome="partial", mode="partial", citations=[citation(1)])
    [message] = render_answer(answer, "2024年は何件？", public_base_url="https://bot.example.jp/")
    assert all_section_texts([message])[0].startswith(f"*{lead}*\n2023年は292件")
    plain = Answer(text=f"{lead}\n2023年は292件でした。[1]", citations=[citation(1)])
    [message] = render_answer(plain, "q", public_base_url="https://bot.example.jp/")
    assert not all_section_texts([message])[0].startswith("*")
