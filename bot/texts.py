"""Every user-facing Japanese string of the assistant, in one place for review."""
from __future__ import annotations

# --- chain: answers ---
ABSTAIN = (
    "申し訳ありません。ご質問の内容について、参照している資料には確かな記載が見つかりませんでした。"
    "推測でお答えすることは控えます。"
)
ABSTAIN_POINTER = "詳しくは県の輸出相談窓口にご相談ください。"
def partial_lead(missing: str) -> str:
    """The lead of a partial answer: what the documents lack, then the related facts they do hold."""
    return f"ご質問の{missing}についての記載は資料にありませんでした。関連する記載は次のとおりです。"


CLARIFY_COUNTRY = "輸出先によって必要な手続きや規制が異なります。どの国・地域への輸出をお考えですか？"
CLARIFY_OPTIONS_LEAD = "資料で扱っている主な輸出先："
NO_RULES_AUTHORITIES = (
    "輸出先ごとの輸入条件や証明書は農林水産省、植物検疫は植物防疫所、輸出先の規制や市場の情報はジェトロ（JETRO）で"
    "ご確認いただけます。県の輸出相談窓口にもご相談いただけます。"
)


def no_rules_note(product: str, destinations: list[str]) -> str:
    """For a product no rule note covers: say so, name what the documents mention, point to the authorities."""
    mentioned = f"資料に出てくる{product}の輸出先：{'、'.join(destinations)}\n" if destinations else ""
    return (f"参照している資料には、{product}の輸出規制をまとめた記載がありません。\n{mentioned}"
            f"{NO_RULES_AUTHORITIES}\n{CLARIFY_COUNTRY}")
DISCLAIMER_REGULATION = (
    "※輸入規制や手続きは変更されることがあります。実際の輸出にあたっては、農林水産省・植物防疫所・"
    "輸出先国の当局・ジェトロなど所管機関で最新の情報を必ずご確認ください。"
)
CURATED_LEAD = "【確認済みの回答】"
# shown under the disclaimer when the newest source of a regulation/procedure answer is older than the setting
OUTDATED_WHERE_TO_CHECK = (
    "最新の状況は、農林水産省の「諸外国・地域の輸入規制」に関するページ、植物防疫所（植物検疫）、"
    "ジェトロ（輸出先の制度）でご確認ください。"
)


def outdated_notice(as_of: str | None, max_age_months: int) -> str:
    age = f"{max_age_months // 12}年" if max_age_months % 12 == 0 and max_age_months else f"{max_age_months}か月"
    if not as_of:
        return f"※この回答のもとになった資料は時点が分からないため、情報が古くなっている可能性があります。{OUTDATED_WHERE_TO_CHECK}"
    return (f"※この回答のもとになった資料は{as_of}時点のもので、{age}以上前の情報です。"
            f"内容が変わっている可能性があります。{OUTDATED_WHERE_TO_CHECK}")


AS_OF_LABEL = "資料の時点"
STATUS_LEAD = "【結論】"
QUESTION_EMPTY = "質問を入力してください。"
QUESTION_UNREADABLE = "質問に読み取れない文字が含まれています。文字を確かめて、もう一度入力してください。"


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
SLACK_STATUS_WORKING = "回答を作成しています…"
SLACK_BUSY = "ただいま質問が集中しています。少し時間をおいてもう一度お試しください。"
SLACK_FEEDBACK_REASON_TITLE = "ご意見をお聞かせください"
SLACK_FEEDBACK_REASON_LABEL = "役に立たなかった理由（任意）"
SLACK_FEEDBACK_REASON_HINT = "例：情報が古い、質問と違うことに答えている、出典が見当たらない"
SLACK_FEEDBACK_REASON_SUBMIT = "送信"
SLACK_DRAFT_NOT_IN_CHANNEL = (
    "アシスタントがこのチャンネルに参加していないため、返信を投稿できませんでした。"
    "チャンネルにアシスタントを招待してから、もう一度お試しください。"
)
SLACK_DRAFT_LONG_NOTE = "元のメッセージが長いため、回答案は冒頭の{limit}文字をもとに作成しました。確認済み回答として保存するときは、質問欄を{limit}文字以内に要約してください。"
SLACK_DM_FALLBACK_NOTE = "（チャンネルに表示できなかったため、ダイレクトメッセージでお知らせします）"
SLACK_ASSISTANT_PROMPTS_TITLE = "たとえば、次のような質問ができます"


def slack_consult_request(mention: str, user: str) -> str:
    return f"{mention} <@{user}> さんから担当者への相談依頼です。このスレッドの質問へのご対応をお願いします。"


def slack_coordinator_reply_header(user: str) -> str:
    return f"担当者 <@{user}> からの回答です："


def slack_clarify_followup(country: str) -> str:
    return f"{country}の場合は？"


def slack_clarify_chosen(user: str, country: str) -> str:
    return f"<@{user}> さんが「{country}」を選びました。"

# --- web API and pages ---
WEB_RATE_LIMITED = "短時間に多くの質問が送信されました。{seconds}秒ほど待ってから、もう一度お試しください。"
WEB_BUSY = "前の質問にまだ回答しています。回答が表示されてから、もう一度お試しください。"
WEB_OVERLOADED = "ただいま混み合っています。少し時間をおいて、もう一度お試しください。"
WEB_NOT_READY = "ただいま準備中です（検索インデックスを読み込んでいます）。しばらくしてから再度お試しください。"
WEB_READY = "回答できます。"
WEB_UNAUTHORIZED = "認証トークンが正しくありません。"
WEB_NOT_FOUND = "お探しのページは見つかりませんでした。"
WEB_SOURCE_NOT_FOUND = "指定された資料は見つかりませんでした。"
WEB_INVALID_REQUEST = "送信された内容の形式が正しくありません。"
WEB_BODY_TOO_LARGE = "送信されたデータが大きすぎます。"
WEB_METHOD_NOT_ALLOWED = "この操作はできません。"
WEB_INTERNAL_ERROR = "処理中に問題が発生しました。時間をおいて再度お試しください。"
WEB_UNKNOWN_ANSWER = "評価する回答が見つかりませんでした（時間が経って期限切れになった可能性があります）。"
WEB_FEEDBACK_THANKS = "ご評価ありがとうございました。今後の改善に役立てます。"
WEB_STATUS_SEARCHING = "資料を検索しています…"
WEB_STATUS_WRITING = "回答をまとめています…"
SOURCE_PAGE_AS_OF = "資料の時点"
SOURCE_PAGE_ORIGIN = "出典"
SOURCE_PAGE_LINK = "原典を開く"
SOURCE_PAGE_PUBLISHER = "発行"
SOURCE_PAGE_CONTENTS = "目次"
SOURCE_PAGE_INTERNAL = "内部資料（コーディネーター限定・外部公開不可）"
SOURCE_PAGE_NOTE = "この資料は輸出相談アシスタントが回答の根拠として参照しているものです。"
DEMO_PAGE_TITLE = "みやぎ食品輸出ポータル（ウィジェット表示確認用のサンプルページ）"

# the widget's UI strings; served inside /widget.js so the wording is reviewed here with the rest
WIDGET_TEXTS = {
    "title": "輸出相談アシスタント",
    "open": "輸出相談アシスタントを開く",
    "close": "閉じる",
    "greeting": "こんにちは。食品・農林水産物の輸出支援制度、手続き、輸出先の規制、事例について、資料をもとにお答えします。",
    "examples_lead": "たとえば、こんな質問ができます：",
    "examples": [
        "いちごを台湾に輸出するには何が必要？",
        "カキは香港に輸出できますか？",
        "宮城県の輸出戦略の期間は？",
        "輸出の相談はどこにすればいい？",
    ],
    "input_label": "質問を入力",
    "placeholder": "質問を入力（Enterで送信、Shift+Enterで改行）",
    "send": "送信",
    "you": "あなた",
    "assistant": "アシスタント",
    "thinking": "資料を検索しています…",
    "sources": "出典",
    "as_of": "資料の時点",
    "clarify_lead": "輸出先を選んでください：",
    "helpful": "役に立った",
    "not_helpful": "役に立たなかった",
    "feedback_thanks": "ご評価ありがとうございました。",
    "consult": "担当窓口に相談する",
    "new_conversation": "新しい会話",
    "rate_limited": "短時間に質問が集中しています。少し待ってから、もう一度お試しください。",
    "overloaded": "ただいま混み合っています。少し時間をおいて、もう一度お試しください。",
    "offline": "インターネットに接続されていないようです。接続を確認してから、もう一度お試しください。",
    "too_long": "質問が長すぎます。短くまとめて、もう一度お試しください。",
    "counter": "{count} / {limit} 文字",
    "error": "回答を取得できませんでした。時間をおいて、もう一度お試しください。",
    "opens_new_tab": "（新しいタブで開きます）",
    "footer": "回答は資料からの自動抽出です。最終的な判断は所管機関にご確認ください。",
}

# --- command line (python -m bot) ---
CLI_SOURCES = "出典:"
CLI_AS_OF_UNKNOWN = "時点不明"
CLI_SLACK_HTTP_HINT = "HTTP モードでは `python -m bot serve` が /slack/events を提供します。Socket Mode は --socket を付けてください。"
CLI_SLACK_TOKENS_MISSING = "SLACK_BOT_TOKEN と SLACK_APP_TOKEN を設定してください。"

# --- LLM mode ---
LLM_REPLACED_NOTICE = "生成した回答が資料の内容と確認できなかったため、資料から抜き出した回答に差し替えました。"
# English questions get the Japanese source sentences verbatim, with this lead line (issue 12).
ENGLISH_LEAD = "From the Japanese sources (quoted as written):"


def assistant_boilerplate() -> tuple[str, ...]:
    """The assistant's words about itself, not about the documents: left out when an earlier answer is searched
    as a follow-up's context (an abstention's desk pointer must not pull the desk note into the next answer)."""
    return (ABSTAIN, ABSTAIN_POINTER, CLARIFY_COUNTRY, CLARIFY_OPTIONS_LEAD, NO_RULES_AUTHORITIES,
            DISCLAIMER_REGULATION, OUTDATED_WHERE_TO_CHECK, CURATED_LEAD, STATUS_LEAD, ENGLISH_LEAD,
            SLACK_FALLBACK_PREFIX)


def assistant_templates() -> tuple[str, ...]:
    """The assistant's sentences about itself that name something ("{}" marks where): left out the same way."""
    return (partial_lead("{}"), *no_rules_note("{}", ["{}"]).split("\n")[:2])
