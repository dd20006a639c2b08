"""Every Japanese string of the coordinators' console and the weekly digest, in one place for review."""
from __future__ import annotations

TITLE = "輸出相談コンソール"
NAV_DASHBOARD = "ダッシュボード"
NAV_QUEUE = "未回答キュー"
NAV_CURATED = "確認済み回答"
NAV_MATCHES = "確認済み回答の利用状況"
NAV_EXPORT = "相談記録CSV"
SIGN_OUT = "サインアウト"
SKIP_TO_MAIN = "本文へ移動"

LOGIN_TITLE = "コーディネーターのサインイン"
LOGIN_LEAD = "このページは輸出コーディネーター専用です。コーディネーター用トークンを入力してください。"
LOGIN_TOKEN_LABEL = "コーディネーター用トークン"
LOGIN_SUBMIT = "サインイン"
LOGIN_WRONG = "トークンが正しくありません。"
LOGIN_DISABLED = "コンソールは無効です（EXPORT_BOT_COORDINATOR_TOKEN が設定されていません）。"
SIGNED_OUT = "サインアウトしました。"
SESSION_REQUIRED = "サインインが必要です。"
CSRF_REJECTED = "フォームの有効期限が切れたか、不正な送信です。ページを開き直してからもう一度送信してください。"
FORM_UNREADABLE = "送信内容を読み取れませんでした。"
NOT_FOUND = "指定の項目が見つかりません。"

WINDOW_LABEL = "期間"
WINDOW_SUBMIT = "表示"


def window_option(days: int) -> str:
    return f"直近{days}日"


DASH_TOTAL = "相談件数"
DASH_UNANSWERED = "未回答・不十分・👎"
DASH_PER_DAY = "日別の相談件数"
DASH_PER_CHANNEL = "窓口別の相談件数"
DASH_OUTCOMES = "回答結果の内訳"
DASH_RATINGS = "利用者の評価（👍/👎）"
DASH_TOPICS = "よく聞かれる話題（品目 × 輸出先）"
DASH_NO_DATA = "この期間の相談はまだありません。"
DASH_NO_TOPICS = "品目・輸出先のわかる相談はまだありません。"
DASH_TABLE = "数値の表"
COL_ITEM = "項目"
COL_COUNT = "件数"
COL_SHARE = "割合"

CHANNEL_NAMES = {
    "web": "Web API",
    "widget": "ウェブサイトのチャット",
    "slack_channel": "Slack チャンネル",
    "slack_dm": "Slack DM",
    "cli": "コマンドライン",
}
OUTCOME_NAMES = {"answer": "回答", "partial": "一部回答", "abstain": "回答見送り", "clarify": "聞き返し"}
RATING_NAMES = {"up": "👍 役に立った", "down": "👎 役に立たなかった"}
KIND_NAMES = {"abstain": "回答見送り", "partial": "一部回答（出典なし）", "down": "👎 の付いた回答"}
ANY_PRODUCT = "品目不明"
ANY_COUNTRY = "輸出先不明"
AUDIENCE_NAMES = {"public": "一般公開（誰にでも表示）", "internal": "内部限定（コーディネーターのみ）"}


def topic_name(product: str | None, country: str | None) -> str:
    return f"{product or ANY_PRODUCT} × {country or ANY_COUNTRY}"


QUEUE_LEAD = "資料から答えられなかった質問、出典のない回答、👎 の付いた回答を、品目 × 輸出先 × 種類ごとにまとめています。件数の多い順です。"
QUEUE_EMPTY = "未回答の質問はありません。"
QUEUE_WRITE = "このグループの確認済み回答を作成"
QUEUE_ASKED = "質問"
QUEUE_TIMES = "回数"
QUEUE_LAST = "最終"


def queue_count(n: int) -> str:
    return f"{n}件"


CURATED_LEAD = "確認済み回答は、同じ趣旨の次の質問からアシスタントがそのまま回答に使います。"
CURATED_NEW = "確認済み回答を新規作成"
CURATED_EDIT = "確認済み回答を編集"
CURATED_EMPTY = "確認済み回答はまだありません。"
CURATED_EXPORT = "JSON Lines でエクスポート"
CURATED_RETIRE = "使用を停止"
CURATED_RETIRED = "停止中"
CURATED_OVERDUE = "見直し期限切れ"
CURATED_ACTIVE = "使用中"
CURATED_EDIT_LINK = "編集"
CURATED_SAVED = "確認済み回答を保存しました。次の同じ趣旨の質問から使われます。"
CURATED_RETIRED_DONE = "確認済み回答の使用を停止しました。"
CURATED_QUESTIONS = "質問（1行に1つ。言い回しの違う質問も並べてください）"
CURATED_BODY = "回答本文"
CURATED_SOURCES = "出典（ナレッジベースの資料から選択）"
CURATED_AUDIENCE = "公開範囲"
CURATED_REVIEW_BY = "見直し期限"
CURATED_SAVE = "保存"
CURATED_STATUS = "状態"
CURATED_MATCHED = "利用回数"
CURATED_UPDATED = "更新"
CURATED_INTERNAL_SOURCE = "（内部資料）"
CURATED_FROM_GROUP = "未回答キューのグループから作成しています："
ERROR_NO_QUESTION = "質問を1つ以上入力してください。"
ERROR_NO_BODY = "回答本文を入力してください。"
ERROR_BODY_TOO_LONG = "回答本文が長すぎます（4000文字以内）。"
ERROR_BAD_DATE = "見直し期限は YYYY-MM-DD の形式で入力してください。"
ERROR_UNKNOWN_SOURCE = "選択した出典がナレッジベースにありません。"
ERROR_INTERNAL_SOURCE = "一般公開の回答に内部資料を出典として付けることはできません。"
ERROR_BAD_AUDIENCE = "公開範囲を選んでください。"
FORM_ERRORS_LEAD = "入力内容を確認してください："

MATCHES_LEAD = "確認済み回答が、その後どの質問に使われたかの一覧です。"
MATCHES_EMPTY = "確認済み回答はまだ使われていません。"
COL_WHEN = "日時"
COL_CHANNEL = "窓口"
COL_QUESTION = "質問"
COL_CURATED = "確認済み回答"

# --- weekly Slack digest ---
DIGEST_TITLE = "輸出相談アシスタント 週次レポート"
DIGEST_NO_CHANNEL = "週次レポートの投稿先がありません（EXPORT_BOT_SLACK_DIGEST_CHANNEL を設定してください）。"
DIGEST_NO_TOKEN = "Slack のボットトークンがありません（SLACK_BOT_TOKEN を設定してください）。"
DIGEST_TOP_GROUPS = "*未回答の多いグループ*"
DIGEST_NO_GROUPS = "未回答の質問はありませんでした。"
DIGEST_OPEN_CONSOLE = "コンソールで対応する"
DIGEST_SENT = "週次レポートを投稿しました"
DIGEST_FAILED = "週次レポートを投稿できませんでした"


def digest_period(first: str, last: str) -> str:
    return f"期間：{first}〜{last}"


def digest_counts(total: int, answered: int, unanswered: int, up: int, down: int) -> str:
    return f"相談 {total}件（回答 {answered}件・未回答など {unanswered}件）／👍 {up}件・👎 {down}件"


def digest_group_line(topic: str, kind: str, count: int, example: str) -> str:
    return f"• {topic}（{kind}）{count}件 — 例：「{example}」"
