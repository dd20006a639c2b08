"""What a question asks for: the answer types it wants (amount, date, count …), and whether it asks two things or a list."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

ANSWER_TYPES_PATH = Path(__file__).parent / "data" / "answer_types.yaml"

# Grammar that joins two asks: 「AとB、それぞれ」「Aと比べて」「both A and B」「A and B」.
_SEVERAL = re.compile(r"(それぞれ|各々|比べ|比較|違い|あわせて|合わせて|両方|ともに|\band\b|\bboth\b|\bvs\.?\b|\beach\b|\bcompare)", re.I)
# Two interrogatives in one question (「何社で、どこから？」) also make two asks.
_INTERROGATIVE = re.compile(r"(何|いくら|いつ|どこ|どの|どう|誰|だれ|いくつ|how|what|when|where|which|who)", re.I)
# Asking for every member of a set: 「全部」「挙げて」「一覧」「list …」「all …」.
_WANTS_LIST = re.compile(r"(全部|全て|すべて|一覧|挙げ|一通り|どんな|どういう|どこの|何が|\blist\b|\ball\b|what are|which)", re.I)
# A unit that introduces what follows: 「次の品目で…。」「以下のとおり」「…は：」.
LIST_LEAD = re.compile(r"(次の|以下の|下記の|次のとおり|以下のとおり|[:：]$)")


@dataclass(frozen=True)
class AnswerType:
    name: str
    asks: tuple[str, ...]
    has: tuple[re.Pattern[str], ...]

    def asked_in(self, question: str) -> bool:
        lowered = question.lower()
        return any(cue.lower() in lowered for cue in self.asks)

    def found_in(self, text: str) -> bool:
        return any(p.search(text) for p in self.has)


@dataclass(frozen=True)
class Asks:
    types: tuple[str, ...]  # answer types asked, in the data file's order
    several: bool  # the question asks two (or more) things
    joined: bool  # …said so by its grammar (AとB、それぞれ; two interrogatives), not only by two type cues
    wants_list: bool  # the question asks for every member of a set

    @property
    def count(self) -> int:
        return max(len(self.types), 2 if self.several else 1)


@lru_cache(maxsize=1)
def answer_types(path: Path = ANSWER_TYPES_PATH) -> tuple[AnswerType, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(
        AnswerType(name, tuple(spec["asks"]), tuple(re.compile(p, re.I) for p in spec["has"]))
        for name, spec in data.items()
    )


def types_in(text: str) -> frozenset[str]:
    """The answer types a unit of text carries."""
    return frozenset(t.name for t in answer_types() if t.found_in(text))


def detect_asks(question: str) -> Asks:
    types = tuple(t.name for t in answer_types() if t.asked_in(question))
    interrogatives = len(_INTERROGATIVE.findall(question))
    joined = bool(_SEVERAL.search(question)) or interrogatives >= 2
    return Asks(types, joined or len(types) >= 2, joined, bool(_WANTS_LIST.search(question)))
