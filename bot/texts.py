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
