"""Follow-up or new question: a question is read with the conversation only when it cannot stand alone (no topic
of its own and an elliptical form); then slots (product, destination, year, topic) are carried over."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from bot import texts
from bot.data_files import read_word_lists
from bot.models import CITATION_MARKER, Turn
from bot.names import general_food_named
from bot.query import content_noun_forms, figures_in, normalize_question, topic_nouns
from ingest import find_countries, find_products, load_vocabulary

ASPECTS_PATH = Path(__file__).parent / "data" / "followup.yaml"

# Grammar that points back to an earlier turn: openers (じゃあ…, and …), demonstratives, 「前の…」「逆に」.
# not それぞれ (each), nor the こ of どこの/どこ (where): they point at nothing said
_DEMONSTRATIVE = r"(それ(?!ぞれ)|その|(?<!ど)これ|(?<!ど)この|そちら|\bit\b|\bthat\b|\bthose\b)"
_ANAPHORA = re.compile(
    r"^(じゃあ|じゃ|では|で、|それでは|それなら|なら|あと|ちなみに|逆に|ほかに|他に|and\b|also\b|what about|how about)"
    rf"|{_DEMONSTRATIVE}|(同じ|前の|\binstead\b|\bthen\b)",
    re.I,
)
# A demonstrative that points back at what was just said (「それって同じ業界の…？」): the question leans on the
# conversation even with a little more topic of its own than a bare ellipsis. Not これ/この (「この戦略の…」 points at
# the document being read), not それぞれ/そこで, and not English (「Is it true that …」 points at nothing).
_POINTS_AT_SAID = re.compile(r"^(それ(?!ぞれ)|その|そこ(?!で)|そちら)")
_MAX_TOPIC_POINTING = 3
# Endings that leave the predicate to the earlier turn: 「Xは？」「Xだと？」「Xの場合は？」「…のはいつ？」
_ELLIPTICAL_END = re.compile(r"(は|では|だと|なら|の場合は?|向けは|はどう(ですか|でしょうか)?|のは[^、。はが]{0,8})[?？]?$")
# 「日本酒の輸出先は？」: a product, then what is asked about it, ends the question by itself (unlike 「日本酒は？」)
_OWN_ASK = re.compile(r"の[^のはが、。?？]{1,12}(は|を|って)[?？]?$")
_YEAR = re.compile(r"(19|20)\d{2}年度?")
# A year named relative to the one the conversation is about: 「その前の年は？」 after 2023 asks about 2022.
_RELATIVE_YEAR = re.compile(
    r"(前の年|前年(?!比|度比|同期)|去年|昨年|the year before|previous year|year earlier)"
    r"|(?P<next>次の年|翌年|next year|the following year|year after)", re.I)
# 「前の年と比べると？」「前の年より増えてる？」 compare with the year before: the same year's change, not another year
_COMPARES = re.compile(r"(比べ|比較|より|増え|減っ|伸び|compared|than)", re.I)
# 「その数字」「それって」 point back at what the last answer said
_POINTS_BACK = re.compile(_DEMONSTRATIVE, re.I)
_LATIN = re.compile(r"[A-Za-z]")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
# A question with at most this much topic of its own (a long compound noun counts two) may lean on the conversation.
_MAX_OWN_TOPIC = 1
_LONG_NOUN = 4


@lru_cache(maxsize=1)
def aspect_words(path: Path = ASPECTS_PATH) -> frozenset[str]:
    raw = read_word_lists(path, required=("aspect_words",))
    return frozenset(normalize_question(w).lower() for w in raw["aspect_words"])


def own_topic(question: str, earlier: frozenset[str] = frozenset()) -> int:
    """How much topic a question names itself, beside slot values, aspect words and the nouns of the `earlier`
    exchange it picks up (「イベントに出る以外には？」 after an answer about an event) (two for a long compound)."""
    normalized = normalize_question(question)
    if _LATIN.search(normalized) and not _JAPANESE.search(normalized):
        # English: content words of four letters or more stand in for nouns; the opener's word is not a topic
        words = [w for w in re.findall(r"[a-z]{4,}", normalized.lower()) if w not in _ENGLISH_FUNCTION_WORDS]
        return max(0, len(words) - 1)
    slot_words = {w.lower() for w in (*find_products(normalized), *find_countries(normalized))}
    weight = 0
    for noun in topic_nouns(normalized):
        if noun in aspect_words() or noun in slot_words or noun in earlier or find_products(noun) or find_countries(noun):
            continue
        weight += 2 if len(noun) >= _LONG_NOUN else 1
    return weight


_ENGLISH_FUNCTION_WORDS = frozenset(
    "what about which when where does will would could should there their they this that those with from into "
    "instead then also much many more does have has been than".split()
)


def has_elliptical_form(question: str) -> bool:
    q = normalize_question(question)
    named = [n for n in topic_nouns(q) if n not in aspect_words()]
    return bool(_ANAPHORA.search(q) or _ELLIPTICAL_END.search(q) or not named)


def stands_alone(question: str, earlier: frozenset[str] = frozenset()) -> bool:
    """False only for a question with no topic of its own and an elliptical form (「金額は？」「じゃあ香港は？」); a
    question that names a product and what it asks about it (「日本酒の輸出先は？」) without pointing back stands alone.
    `earlier`: the topic nouns of the exchange before it, which are not the question's own."""
    q = normalize_question(question)
    if _names_a_food(q) and _OWN_ASK.search(q) and not _ANAPHORA.search(q):
        return True
    allowed = _MAX_TOPIC_POINTING if _POINTS_AT_SAID.search(q) else _MAX_OWN_TOPIC
    return not (has_elliptical_form(q) and own_topic(q, earlier) <= allowed)


def _last_exchange(conversation: list[Turn]) -> list[Turn]:
    """The user's last question and the turns after it (its answer); empty without a user turn."""
    last_user = next((i for i in range(len(conversation) - 1, -1, -1) if conversation[i].role == "user"), None)
    return [] if last_user is None else conversation[last_user:]


def earlier_nouns(conversation: list[Turn]) -> frozenset[str]:
    """The topic nouns of the last exchange (the user's last question and the answer after it)."""
    return frozenset(noun for turn in _last_exchange(conversation) for noun in topic_nouns(normalize_question(turn.text)))


def _names_a_food(question: str) -> bool:
    """A product of the vocabulary or any general food name (鯛, 納豆): what the question is about."""
    return bool(find_products(question)) or general_food_named(question)


def is_elliptical(question: str) -> bool:
    """Kept for callers of the old name: a question that cannot stand alone."""
    return not stands_alone(question)


def previous_context(conversation: list[Turn]) -> tuple[str | None, dict[str, str | None]]:
    """The last understood question and its slots, from the newest assistant turn (or user turn)."""
    for turn in reversed(conversation):
        if turn.role == "assistant" and turn.slots.get("question"):
            return turn.slots["question"], dict(turn.slots)
    # a conversation without the assistant's slots (a Slack thread answered by hand, an export): the user turns are
    # read oldest first, each as it was meant, resolved against what was understood before it (no recursion: a long
    # thread of 「それは？」 costs one pass)
    understood: tuple[str | None, dict[str, str | None]] = (None, {})
    for i, turn in enumerate(conversation):
        if turn.role != "user":
            continue
        text, carried = _resolve(turn.text, conversation[:i], *understood)
        # slots the user named first; else what the assistant's answer to it was about (「その国」)
        answer_text = next((normalize_question(t.text) for t in conversation[i + 1:] if t.role == "assistant"), "")
        products = find_products(text) or find_products(answer_text)
        countries = find_countries(text) or find_countries(answer_text)
        understood = (text, {
            "question": text,
            "product": carried.get("product") or (products[0] if products else None),
            "country": carried.get("country") or (countries[0] if countries else None),
        })
    return understood


def _swap(text: str, old: str | None, new: str, kind: str, asked: str) -> str:
    """The earlier question with its product or destination replaced by the new one, in whatever form the earlier
    question wrote it (「South Korea」 for 韓国) and the form the new question uses (「Hong Kong」)."""
    vocabulary = load_vocabulary()
    table = vocabulary.products if kind == "product" else vocabulary.countries
    lowered, asked_lowered = text.lower(), asked.lower()
    said = next((f for f in sorted(table.get(new, ()), key=len, reverse=True) if f.lower() in asked_lowered), new)
    if old:
        for form in sorted({old, *table.get(old, ())}, key=len, reverse=True):
            start = lowered.find(form.lower())
            if start >= 0:
                return text[:start] + said + text[start + len(form):]
    return f"{text}（{said}）"


def _previous_topic(previous: str) -> str:
    """What the earlier question was about, without its asking words: its content nouns (whole text in English)."""
    if _LATIN.search(previous) and not _JAPANESE.search(previous):
        return previous
    nouns = [surface for form, surface in content_noun_forms(previous) if form not in aspect_words()]
    return " ".join(dict.fromkeys(nouns)) or previous


def resolve_followup(question: str, conversation: list[Turn]) -> tuple[str, dict[str, str | None]]:
    """Return the question to answer and the slots carried over from earlier turns."""
    return _resolve(question, conversation, *previous_context(conversation))


def is_follow_up(question: str, conversation: list[Turn]) -> bool:
    """Whether the question is a follow-up: there is an earlier question, and this one cannot stand alone."""
    return any(t.role == "user" for t in conversation) and not stands_alone(
        normalize_question(question), earlier_nouns(conversation))


def conversation_context(question: str, conversation: list[Turn]) -> str:
    """What retrieval searches beside a follow-up: the exchange it follows. Empty for a question that stands alone,
    and for a follow-up that names its own product or destination (「じゃあ香港は？」): the earlier exchange is about
    the one it replaces, and would pull that one's chunks back in."""
    if not is_follow_up(question, conversation):
        return ""
    normalized = normalize_question(question)
    if find_products(normalized) or find_countries(normalized):
        return ""
    return previous_exchange(conversation)


def previous_exchange(conversation: list[Turn]) -> str:
    """The last question asked and the answer to it, as one text: what a follow-up is about. The answer without
    the assistant's words about itself (its abstention, desk pointer, leads, disclaimers) and its [n] markers."""
    parts = [turn.text if turn.role == "user" else _documents_words(turn.text) for turn in _last_exchange(conversation)]
    return " ".join(part for part in parts if part)


# the assistant's sentences that name something (the partial lead, the no-rules note), whatever they name
_TEMPLATES = re.compile("|".join(re.escape(t).replace(r"\{\}", "[^\n]{1,80}?") + ("$" if t.endswith("}") else "")
                                 for t in texts.assistant_templates()), re.M)


def _documents_words(answer: str) -> str:
    text = _TEMPLATES.sub(" ", CITATION_MARKER.sub(" ", answer))
    for phrase in texts.assistant_boilerplate():
        text = text.replace(phrase, " ")
    return re.sub(r"\s+", " ", text).strip()


def _resolve(question: str, conversation: list[Turn], previous: str | None,
             slots: dict[str, str | None]) -> tuple[str, dict[str, str | None]]:
    """The question read against `previous`, the question understood before it, and that question's slots."""
    normalized = normalize_question(question)
    if not previous or stands_alone(normalized, earlier_nouns(conversation)):
        return normalized, {}
    products, countries = find_products(normalized), find_countries(normalized)
    new_product = products[0] if products else None
    new_country = countries[0] if countries else None
    carried = {"product": new_product or slots.get("product"), "country": new_country or slots.get("country")}
    if new_product or new_country:
        rewritten = previous
        if new_country:
            rewritten = _swap(rewritten, slots.get("country"), new_country, "country", normalized)
        if new_product:
            rewritten = _swap(rewritten, slots.get("product"), new_product, "product", normalized)
        return rewritten, carried
    answer_text = next((normalize_question(t.text) for t in reversed(conversation) if t.role == "assistant"), "")
    new_year, old_year = _YEAR.search(normalized), _YEAR.search(previous) or _YEAR.search(answer_text)
    relative = _RELATIVE_YEAR.search(normalized)
    if relative and old_year and not new_year and not _COMPARES.search(normalized):
        # 「その前の年は？」: the year the conversation is about, one back (or on)
        shifted = int(old_year.group(0)[:4]) + (1 if relative.group("next") else -1)
        year = f"{shifted}{old_year.group(0)[4:]}"
        if old_year.group(0) in previous:
            return previous.replace(old_year.group(0), year), carried
        return f"{year}の{previous}", carried
    if new_year and old_year and old_year.group(0) in previous and own_topic(normalized) == 0:
        # 「じゃあ2022年は？」 after a question about 2023: the same question for the other year
        return previous.replace(old_year.group(0), new_year.group(0)), carried
    topic = _previous_topic(previous)
    if _POINTS_BACK.search(normalized):
        # 「それっていつまでの数字？」: what was pointed at is the figure the last answer gave
        topic = " ".join([topic, *dict.fromkeys(figures_in(answer_text))][:3])
    return f"{normalized}（{topic}）", carried
