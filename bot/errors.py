"""Domain exceptions of the assistant; each channel maps them to a status or reply in one place."""
from __future__ import annotations


class AssistantError(Exception):
    """Base class; `message_ja` is what an end user may be shown."""

    message_ja = "処理中に問題が発生しました。時間をおいて再度お試しください。"

    def __init__(self, detail: str = "", message_ja: str | None = None):
        super().__init__(detail or self.__class__.__name__)
        if message_ja:
            self.message_ja = message_ja


class IndexUnavailable(AssistantError):
    """The index is missing, corrupt, or its store (Chroma server) is down."""

    message_ja = "ただいま回答できません（検索インデックスに接続できません）。しばらくしてから再度お試しください。"


class BadQuestion(AssistantError):
    """The question is empty, too long or unreadable (see bot/validation.py); `reason` says which."""

    message_ja = "質問を入力してください。"

    def __init__(self, detail: str = "", message_ja: str | None = None, reason: str = "invalid"):
        super().__init__(detail, message_ja)
        self.reason = reason
