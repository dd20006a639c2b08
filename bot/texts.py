"""Every user-facing Japanese string of the assistant, in one place for review."""
from __future__ import annotations

# --- chain: answers ---
ABSTAIN = (
    "申し訳ありません。ご質問の内容について、参照している資料には確かな記載が見つかりませんでした。"
    "推測でお答えすることは控えます。"
)
ABSTAIN_POINTER = "詳しくは県の輸出相談窓口にご相談ください。"
CLARIFY_COUNTRY = "輸出先によって必要な手続きや規制が異なります。どの国・地域への輸出をお考えですか？"
CLARIFY_OPTIONS_LEAD = "資料で扱っている主な輸出先："
DISCLAIMER_REGULATION = (
    "※輸入規制や手続きは変更されることがあります。実際の輸出にあたっては、農林水産省・植物防疫所・"
    "輸出先国の当局・ジェトロなど所管機関で最新の情報を必ずご確認ください。"
)
CURATED_LEAD = "【確認済みの回答】"
AS_OF_LABEL = "資料の時点"
STATUS_LEAD = "【結論】"
QUESTION_EMPTY = "質問を入力してください。"


def question_too_long(limit: int) -> str:
    return f"質問が長すぎます。{limit}文字以内でお願いします。"

# --- slack ---
SLACK_OFF = "Slack連携は無効です（SLACK_BOT_TOKEN と SLACK_SIGNING_SECRET が設定されていません）。"
SLACK_SOURCES_HEADING = "*出典*"
SLACK_AS_OF_SUFFIX = "時点"
SLACK_FALLBACK_PREFIX = "回答："
SLACK_CONTINUED = "（続き）"
SLACK_BUTTON_GOOD = "👍 役に立った"
SLACK_BUTTON_BAD = "👎 役に立たなかった"
SLACK_BUTTON_CONSULT = "担当者に相談"
SLACK_BUTTON_SHARE = "チャンネルに共有"
SLACK_FEEDBACK_THANKS = "フィードバックありがとうございます。今後の改善に役立てます。"
SLACK_EMPTY_QUESTION = (
    "ご質問をどうぞ。例：「いちごを台湾に輸出するには何が必要？」「宮城県の輸出戦略の期間は？」"
)
SLACK_APOLOGY = "申し訳ありません。回答の作成中に問題が発生しました。時間をおいてもう一度お試しいただくか、県の輸出相談窓口にご相談ください。"
SLACK_SHARED_BY = "<@{user}> さんが共有した回答です。"
SLACK_DRAFT_REFUSED = "「返信案を作成」は輸出コーディネーター（担当者）のみ利用できます。"
SLACK_DRAFT_MODAL_TITLE = "返信案を作成"
SLACK_DRAFT_MODAL_SUBMIT = "実行"
SLACK_DRAFT_MODAL_CLOSE = "キャンセル"
SLACK_DRAFT_LOADING = "返信案を作成しています…"
SLACK_DRAFT_QUESTION_LABEL = "質問"
SLACK_DRAFT_TEXT_LABEL = "返信案（編集できます）"
SLACK_DRAFT_ACTIONS_LABEL = "実行する操作"
SLACK_DRAFT_ACTION_POST = "スレッドに投稿"
SLACK_DRAFT_ACTION_SAVE = "確認済み回答として保存"
SLACK_DRAFT_ACTION_REQUIRED = "操作を1つ以上選んでください。"
SLACK_DRAFT_EMPTY_TEXT = "返信案が空です。"
SLACK_DRAFT_GREETING = "お問い合わせいただきありがとうございます。県の輸出支援担当です。"
SLACK_DRAFT_SOURCES_LEAD = "【参考資料】"
SLACK_DRAFT_CLOSING = "ご不明な点がございましたら、お気軽にお問い合わせください。どうぞよろしくお願いいたします。"
SLACK_DRAFT_SAVED = "確認済み回答として保存しました（ID: {curated_id}）。以後、同じ趣旨の質問にはこの回答が使われます。"


def slack_consult_request(mention: str, user: str) -> str:
    return f"{mention} <@{user}> さんから担当者への相談依頼です。このスレッドの質問へのご対応をお願いします。"


def slack_coordinator_reply_header(user: str) -> str:
    return f"担当者 <@{user}> からの回答です："
