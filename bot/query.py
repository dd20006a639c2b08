"""Query understanding: NFKC, glossary expansion, product/country slots and the question's intent."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sudachipy import SplitMode

from bot.data_files import read_word_lists
from ingest import Noun, find_countries, find_products, noun_morphemes, sudachi_tokenizer

GLOSSARY_PATH = Path(__file__).parent / "data" / "glossary.yaml"

# Words that make a question about rules: the answer may depend on the destination.
_REGULATION_WORDS = (
    "規制", "禁輸", "輸入停止", "輸入禁止", "輸出できる", "輸出できま", "出せる", "出せま", "送れる", "送れま",
    "認定", "登録", "残留農薬", "検疫", "証明書", "衛生", "HACCP", "キュアリング", "ライセンス", "免許",
    "条件", "要件", "基準", "解禁", "止まっ", "ダメ", "だめ", "可能", "大丈夫", "いける", "いけま",
    "と畜", "食肉処理", "対応でき", "ハードル", "障壁", "参入",
    "ban", "banned", "allowed", "can i export", "can we export", "requirement", "register", "certif",
    "quarantine", "residue", "permit", "license",
)
# Of those, the ones asking whether export is possible at all: the answer is a per-country status.
_STATUS_WORDS = (
    "禁輸", "輸入停止", "輸入禁止", "輸出できる", "輸出できま", "出せる", "出せま", "送れる", "送れま",
    "解禁", "止まっ", "ダメ", "だめ", "可能", "大丈夫", "いける", "いけま", "規制ってどう", "規制はどう",
    "ban", "banned", "allowed", "can i export", "can we export",
)
# An English status question asks yes or no (「Can I export …」「Is … banned」); 「what else …, besides getting import
# bans lifted」 mentions a ban without asking whether export is possible
_YES_NO_EN = re.compile(r"(?:^|[,;:]\s*)\W*(?:(?:and|so|but|also|then|ok|okay)\W+)?"
                        r"(?:can|could|is|are|was|were|may|might|do|does|did|will|would|am|have|has)\b"
                        r"|\b(?:if|whether)\b", re.I)
# Asking which destinations (「禁輸の国はどこ？」) or for the general picture is answered, not clarified.
_WHICH_PLACE = ("どこ", "どの国", "どちら", "国・地域って", "一通り", "一般", "いつ", "何月", "時期", "頃", "ごろ",
                "which countr", "where", "when")
# "What rules apply / what is needed" and "I want to export / sell abroad": grammar of a can-I-export question.
_ASKS_RULES = re.compile(r"(規制|ルール|決まり|何が必要|何がいる|必要なこと|何を(準備|用意|すれば)|何の手続|手続きは|手続きって|要件|"
                         r"rules?\b|requirement|regulation|what (do|does|would) (i|we) need|need to (do|know|prepare|sort))",
                         re.I)
_EXPORT_INTENT = re.compile(r"(輸出|海外に|海外で|海外へ|出したい|売りたい|\bexport(ing)?\b)", re.I)
# The thing to be exported, when the vocabulary does not know it: the noun phrase before を/って/は + export words.
# what is to be exported, after the owner's words (「うちの蔵の大吟醸を…」 is about 大吟醸)
_PRODUCT_PHRASE = re.compile(
    r"^(?:(?:うち|弊社|当社|自社|私|わたし|僕)の(?:[^\s、。のをはがで]{1,6}の)?)?(?:宮城県?の|県産の?)?(?P<p>[^\s、。,.!?？！をはがで]{1,15}?)(?:を|って|は)(?:海外|輸出|外国|売|出)")
_PRODUCT_PHRASE_EN = re.compile(r"\bexport (?:miyagi )?(?P<p>[a-z][a-z ]{1,25}?)(?: made\b| from\b| to\b|[?.]|$)", re.I)
_PROCEDURE_WORDS = ("手続", "申請", "どうすれば", "方法", "流れ", "how to", "how do", "procedure", "steps")
_CASE_WORDS = ("事例", "取組例", "実績", "成功", "ケース", "case", "example")
_SUPPORT_WORDS = ("支援", "補助", "相談", "セミナー", "窓口", "サポート", "support", "help", "consult")

# Nouns that never name what is asked about.
_GENERIC_NOUNS = {
    "何", "事", "物", "方", "時", "場合", "今", "中", "為", "所", "辺", "感じ", "幾ら", "くらい", "位", "%", "件",
    "年", "月", "日", "度", "様", "さん", "ところ", "これ", "それ", "どれ", "どこ", "誰", "いつ", "具合",
    "幾つ", "一通り", "承知", "一回", "皆", "全部", "全て", "色々", "本当", "大丈夫", "ハードル", "こと", "もの", "とき",
}

_LATIN = re.compile(r"[A-Za-z]")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@dataclass(frozen=True)
class QueryAnalysis:
    question: str  # as asked
    normalized: str  # NFKC, trimmed
    search_text: str  # normalized plus glossary terms and slot names, for both search sides
    products: tuple[str, ...]
    countries: tuple[str, ...]
    intent: str  # "regulation" | "procedure" | "case" | "support" | "fact"
    asks_status: bool  # "can X go to Y?" — answered by a per-destination status
    is_english: bool
    asks_which_place: bool = False
    product_phrase: str | None = None  # what is to be exported, in the question's words, vocabulary or not
    asks_export_rules: bool = False  # "I want to export X: what rules apply / what is needed?"
    # a follow-up's previous exchange (the question before it and its answer): retrieval searches it too, at a lower
    # weight, so the chunk the conversation is about ranks high even when the follow-up shares few words with it
    context_text: str = ""

    @property
    def needs_destination(self) -> bool:
        """A can-I-export / what-rules question about a product with no destination: it depends on the country."""
        if self.country is not None or self.asks_which_place:
            return False
        if self.intent == "regulation" and self.asks_status and self.product is not None:
            return True
        return self.asks_export_rules and (self.product or self.product_phrase) is not None

    @property
    def product(self) -> str | None:
        return self.products[0] if self.products else None

    @property
    def country(self) -> str | None:
        return self.countries[0] if self.countries else None

    @property
    def slots(self) -> dict[str, str | None]:
        return {"product": self.product, "country": self.country}


def normalize_question(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


@lru_cache(maxsize=1)
def load_glossary(path: Path = GLOSSARY_PATH) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Glossary entries, longest form first so that 'import ban' wins over 'ban'."""
    raw = read_word_lists(path)
    entries = [(normalize_question(form).lower(), tuple(terms)) for form, terms in raw.items()]
    return tuple(sorted(entries, key=lambda e: -len(e[0])))


def glossary_terms(normalized: str) -> list[str]:
    """Terms the glossary adds for the forms found in the question (each form consumed once)."""
    remaining = normalized.lower()
    added: list[str] = []
    for form, terms in load_glossary():
        if _LATIN.search(form):
            pattern = re.compile(r"(?<![a-z])" + re.escape(form) + r"(?![a-z])")
        else:
            pattern = re.compile(re.escape(form))
        if pattern.search(remaining):
            remaining = pattern.sub(" ", remaining)
            added.extend(t for t in terms if t not in added)
    return added


def _sudachi():
    return sudachi_tokenizer()  # the thread's one tokenizer, shared with the lexical index's


def token_surfaces(text: str) -> list[str]:
    """The words of a text as Sudachi cuts them (after NFKC)."""
    return [m.surface() for m in _sudachi().tokenize(unicodedata.normalize("NFKC", text), SplitMode.B)]


def content_noun(noun: Noun) -> tuple[str, str] | None:
    """(normalized form, surface) when one noun Sudachi found names what a question is about, else None."""
    raw_form, raw_surface, pos1, pos2 = noun
    if pos1 in ("数詞", "代名詞") or pos2 == "助数詞可能" and len(raw_surface) == 1:
        return None
    form = raw_form.strip().lower()
    surface = raw_surface.strip().lower()
    # 最終的, 作り方, 側: manner and side words say how something is asked, not what about
    if len(surface) < 2 or surface.endswith(("的", "方")):
        return None
    if form and form not in _GENERIC_NOUNS and not form.isdigit() and not form.startswith("何"):
        return form, surface
    return None


def content_noun_forms(text: str) -> list[tuple[str, str]]:
    """(normalized form, surface) of the nouns that name what a question is about."""
    return [found for noun in noun_morphemes(text) if (found := content_noun(noun)) is not None]


def topic_nouns(text: str) -> list[str]:
    """Content nouns that can name a topic: verbal nouns (改定, 宣言, 輸出) say what happened, not what about."""
    nouns = []
    for m in _sudachi().tokenize(unicodedata.normalize("NFKC", text), SplitMode.B):
        pos = m.part_of_speech()
        if pos[0] != "名詞" or pos[1] in ("数詞", "代名詞") or pos[2] == "サ変可能" or pos[2] == "助数詞可能":
            continue
        surface = m.surface().strip().lower()
        form = m.normalized_form().strip().lower()
        if len(surface) < 2 or surface.endswith(("的", "方")) or form in _GENERIC_NOUNS or form.isdigit():
            continue
        if not form.startswith("何"):
            nouns.append(form)
    return nouns


def content_nouns(text: str) -> list[str]:
    """Nouns that name what a question is about, as the lexical index's normalized forms."""
    return [form for form, _surface in content_noun_forms(text)]


# the units a weight, area or volume is written in (after NFKC: ℓ is l); a Latin unit not inside a word
_QUANTITY_UNITS = r"トン|t(?![a-z])|ha(?![a-z])|ヘクタール|kg(?![a-z])|キロ(?!メートル)|kl(?![a-z])|ml(?![a-z])|l(?![a-z])|キロリットル|リットル|頭|パック|ケース|箱"
# What kind of value a question asks for, and what a sentence answering it must contain (grammar, not topics).
_ASKED_TYPES: tuple[tuple[str, re.Pattern, re.Pattern], ...] = (
    ("rate", re.compile(r"(何%|何パーセント|何割|割合|シェア|比率|関税率|税率|補助率|what percent|what share)", re.I),
     re.compile(r"\d[\d,.]*\s*(%|割)|[一二三四五六七八九十]割|分の")),
    ("amount", re.compile(r"(いくら|何[兆億万千]*円|金額|輸出額|売上|売り上げ|費用|値段|価格|料金|運賃|手数料|\bhow much\b|\bprices?\b|\bcosts?\b|\bfees?\b|\bexport value|\bvalue of\b|\bworth\b|\bearn)", re.I),
     re.compile(r"\d[\d,.]*\s*(兆|億|万|千)?円")),
    # a weight, area, volume or head count: 「何トン」「何ha」「how many tonnes」, answered by a number with that unit
    ("quantity", re.compile(rf"(何\s*[百千万億]*\s*(?:{_QUANTITY_UNITS})"
                            r"|\bhow many (tons|tonnes|hectares|kilograms|kg|kilos|litres|liters|head|packs)\b"
                            r"|\bwhat volume\b)", re.I),
     re.compile(rf"\d[\d,.]*\s*[百千万億]*\s*(?:{_QUANTITY_UNITS})", re.I)),
    ("count", re.compile(r"(何件|何社|何人|何軒|何品目|何商品|何か国|何カ国|何事例|何団体|何店|何か所|何回|いくつ|how many)", re.I),
     re.compile(r"\d[\d,.]*\s*(件|社|人|名|軒|品目|品|商品|か国|カ国|国・地域|事例|団体|産地|店|つ|か所|カ所|蔵|場|回|種類|以上|余り)")),
    # a day asked (「何月何日」「開催日」) is not answered by a year or a month alone
    ("day", re.compile(r"(何日(?!間)|日付|日にち|開催日|what date|which day|on what day)", re.I),
     re.compile(r"(?<!\d)\d{1,2}\s*日(?!本|間)|\d{1,2}/\d{1,2}")),
    ("date", re.compile(r"(いつ|何年|何月|時期|when\b|what year)", re.I),
     re.compile(r"(\d{4}|令和|平成)\s*(年|年度)|\d{1,2}月")),
    ("rank", re.compile(r"(何位|何番目|順位|what rank)", re.I), re.compile(r"\d+\s*位|首位|トップ")),
    ("person", re.compile(r"(担当者の(名前|氏名)|担当者名|氏名|社長|代表者|責任者|who is the (head|president|ceo|person))", re.I),
     re.compile(r"\S(氏|さん|様)(?![\w])|代表取締役\s*\S")),
    ("organisation", re.compile(r"(企業の名前|会社の名前|会社名|企業名|社名|which compan)", re.I),
     re.compile(r"\(株\)|株式会社|有限会社|合同会社|協同組合|\bJA\S|\bInc\b|\bLtd\b")),
    ("contact", re.compile(r"(電話番号|連絡先|住所|所在地|メールアドレス|ファックス|fax|phone|address|e-?mail)", re.I),
     re.compile(r"\d{2,4}-\d{2,4}-\d{3,4}|〒\s*\d{3}-?\d{4}|[\w.+-]+@[\w-]+\.\w+")),
)


# the asked types whose value is a number: a year beside no number, or a number about another topic, does not answer them
FIGURE_TYPES = ("amount", "count", "quantity", "rate", "rank")


def figures_in(text: str) -> list[str]:
    """The figures a text gives (a number with the unit of an amount, count, quantity, rate or rank), in order."""
    # by start, the longer of two matches starting at one place first
    found = sorted(((m.start(), m.end()) for name, _asks, has in _ASKED_TYPES if name in FIGURE_TYPES
                    for m in has.finditer(text) if any(ch.isdigit() for ch in m.group(0))), key=lambda m: (m[0], -m[1]))
    figures: list[str] = []
    end = -1
    for start, stop in found:
        if start >= end:  # a match inside one already taken is not another figure
            figures.append(text[start:stop].strip())
            end = stop
    return figures


def asked_type(question: str) -> str | None:
    """The kind of value asked for: "rate", "amount", "count", "quantity", "day", "date", "rank", "person",
    "organisation", "contact", or None."""
    for name, asks, _has in _ASKED_TYPES:
        if asks.search(question):
            return name
    return None


def carries_type(kind: str, text: str) -> bool:
    """Whether a text holds a value of the asked kind (「約46トン」 for an amount does not: it is a weight)."""
    return any(name == kind and bool(has.search(text)) for name, _asks, has in _ASKED_TYPES)


def asked_type_missing(question: str, sentences: list[str]) -> str | None:
    """The asked value type when no picked sentence holds a value of that type, else None."""
    text = " ".join(sentences)
    for name, asks, has in _ASKED_TYPES:
        if asks.search(question):
            return None if has.search(text) else name
    return None


def answer_type_missing(question: str, sentences: list[str]) -> bool:
    """True when the question asks for money or a rate and no picked sentence holds one (the old rule)."""
    return asked_type_missing(question, sentences) in ("rate", "amount")


@lru_cache(maxsize=1)
def known_forms() -> str:
    """Every glossary and vocabulary form, joined: a question word inside one of them is not unknown."""
    from ingest import load_vocabulary

    vocabulary = load_vocabulary()
    words = [form for form, terms in load_glossary() for form in (form, *terms)]
    for table in _vocabulary_tables(vocabulary):
        for canonical, forms in table.items():
            words.append(canonical)
            words.extend(forms)
    return "\n".join(normalize_question(w).lower() for w in words)


def _vocabulary_tables(vocabulary) -> list[dict]:
    if isinstance(vocabulary, dict):
        return [v for v in vocabulary.values() if isinstance(v, dict)]
    return [getattr(vocabulary, name) for name in ("products", "countries") if hasattr(vocabulary, name)]


def _has_any(text: str, words: tuple[str, ...]) -> bool:
    lowered = text.lower()
    return any(w.lower() in lowered for w in words)


def detect_intent(normalized: str) -> str:
    if _has_any(normalized, _REGULATION_WORDS):
        return "regulation"
    if _has_any(normalized, _PROCEDURE_WORDS):
        return "procedure"
    if _has_any(normalized, _CASE_WORDS):
        return "case"
    if _has_any(normalized, _SUPPORT_WORDS):
        return "support"
    return "fact"


def analyze(question: str, carried_slots: dict[str, str | None] | None = None, context: str = "") -> QueryAnalysis:
    """Understand one question; `carried_slots` fill a slot the question itself leaves empty; `context` is the
    earlier exchange a follow-up is read with."""
    normalized = normalize_question(question)
    products = tuple(find_products(normalized))
    countries = tuple(find_countries(normalized))
    carried = carried_slots or {}
    if not products and carried.get("product"):
        products = (carried["product"],)
    if not countries and carried.get("country"):
        countries = (carried["country"],)
    extra = glossary_terms(normalized)
    for name in (*products, *countries):
        if name not in normalized and name not in extra:
            extra.append(name)
    search_text = " ".join([normalized, *extra]) if extra else normalized
    is_english = bool(_LATIN.search(normalized)) and not _JAPANESE.search(normalized)
    phrase_match = (_PRODUCT_PHRASE_EN if is_english else _PRODUCT_PHRASE).search(normalized)
    asks_status = _has_any(normalized, _STATUS_WORDS) and (not is_english or bool(_YES_NO_EN.search(normalized)))
    return QueryAnalysis(
        question=question,
        normalized=normalized,
        search_text=search_text,
        products=products,
        countries=countries,
        intent=detect_intent(normalized),
        asks_status=asks_status,
        is_english=is_english,
        asks_which_place=_has_any(normalized, _WHICH_PLACE),
        product_phrase=(products[0] if products else phrase_match.group("p").strip() if phrase_match else None),
        asks_export_rules=bool(_EXPORT_INTENT.search(normalized)) and (
            asks_status or bool(_ASKS_RULES.search(normalized))),
        context_text=normalize_question(context) if context else "",
    )
