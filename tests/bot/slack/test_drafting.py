"""Drafting's pure parts: what the chain is asked for a long enquiry, and what a saved curated answer keeps."""
from __future__ import annotations

from bot import texts
from bot.models import Answer, Citation
from bot.slack.blocks import draft_reply_text
from bot.slack.drafting import BLOCK_QUESTION, Submission, curated_body, retrieval_question, submission_errors


def test_a_long_enquiry_is_cut_at_a_sentence_end_for_retrieval_only():
    enquiry = "いちごを台湾に輸出したいと考えています。必要な手続きを教えてください。" + "弊社の概要です。" * 80
    asked = retrieval_question(enquiry, 500)
    assert len(asked) <= 500 and asked.endswith("。") and enquiry.startswith(asked)
    assert retrieval_question("短い質問？", 500) == "短い質問？"


def test_a_curated_answer_keeps_only_the_answer_body():
    citation = Citation(number=1, chunk_id="c", doc_id="d", title="題", section="", anchor="a", url="/sources/d#a",
                        text="t")
    answer = Answer(text="衛生証明書が必要です。[1]\n事前に登録してください。", citations=[citation],
                    disclaimer="最新の情報は所管機関にご確認ください。")
    draft = draft_reply_text(answer, "https://export.example.jp")
    body = curated_body(draft, answer.disclaimer)
    assert body == "衛生証明書が必要です。[1]\n事前に登録してください。"
    for part in (texts.SLACK_DRAFT_GREETING, texts.SLACK_DRAFT_CLOSING, texts.SLACK_DRAFT_SOURCES_LEAD, "所管機関"):
        assert part not in body
    # a reply the coordinator rewrote entirely is kept as written
    assert curated_body("全面的に書き直した回答です。") == "全面的に書き直した回答です。"


def test_a_question_too_long_to_save_keeps_the_modal_open():
    long = Submission(draft_id="x", channel="C", thread_ts="1", question="あ" * 501, text="回答", post=True, save=True)
    assert submission_errors(long, 500) == {BLOCK_QUESTION: texts.question_too_long(500)}
    post_only = Submission(draft_id="x", channel="C", thread_ts="1", question="あ" * 501, text="回答", post=True,
                           save=False)
    assert submission_errors(post_only, 500) == {}
