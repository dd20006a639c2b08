"""What a question must be before any work is spent on it: the one check every channel and the chain call."""
from __future__ import annotations

from bot import texts
from bot.errors import BadQuestion
from bot.query import normalize_question


def is_encodable(text: str) -> bool:
    """False for text holding lone surrogates: JSON can carry them, but no tokenizer, embedder or database can."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_question(raw: str, max_chars: int) -> str:
    """The question with its outer whitespace stripped, or BadQuestion (empty, too long or unreadable).

    The length is counted after NFKC, because the normalized text is what gets embedded and tokenized:
    one character may expand to many (U+FDFA becomes 18), so counting the raw text bounds nothing.
    """
    if not is_encodable(raw):
        raise BadQuestion("unencodable question", texts.QUESTION_UNREADABLE, reason="unreadable")
    stripped = raw.strip()
    normalized = normalize_question(stripped)
    if not normalized:
        raise BadQuestion("empty question", texts.QUESTION_EMPTY, reason="empty")
    if len(normalized) > max_chars:
        raise BadQuestion("question too long", texts.question_too_long(max_chars), reason="too_long")
    return stripped
