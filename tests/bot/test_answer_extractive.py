from bot.answer_extractive import ExtractiveAnswerer, split_sentences
from bot.query import analyze
from bot.retriever import ScoredChunk
from ingest.index.lexical import tokenize
from ingest.models import Chunk


def _chunk(chunk_id: str, text: str, title: str = "仙台牛の輸出") -> Chunk:
    return Chunk(chunk_id=chunk_id, doc_id=chunk_id, text=text, section_path=("現状",), anchor="s-1", ordinal=0,
                 title=title, as_of="2024-08", audience="public", kind="strategy", products=("牛肉",))


def test_split_sentences_reads_table_rows_and_drops_rules():
    text = "前文です。\n| 国 | 対象 |\n|---|---|\n| 香港 | 水産物 |\n○ 箇条書きの行"
    assert split_sentences(text) == ["前文です。", "国、対象", "香港、水産物", "○ 箇条書きの行"]


def test_answer_keeps_numbers_exact_and_cites_each_sentence():
    hits = [
        ScoredChunk(_chunk("a", "2023年度は11,505頭が仙台牛として出荷されました。仙台牛は黒毛和種です。"), 0.03),
        ScoredChunk(_chunk("b", "2023年度の仙台牛の輸出量は約46トンで、前年度比126.2%でした。"), 0.02),
    ]
    answerer = ExtractiveAnswerer(tokenize)
    evidence = answerer.select(analyze("仙台牛の2023年度の輸出量は何トン？"), hits)
    text, cited = answerer.compose(evidence)
    assert "約46トン" in text and "126.2%" in text
    assert text.count("[") == len(evidence)
    marker_of_b = cited.index(hits[1]) + 1
    assert f"126.2%でした。[{marker_of_b}]" in text


def test_unfilled_placeholders_are_never_an_answer():
    hits = [ScoredChunk(_chunk("a", "2027年の輸出総額の目標は●千円以上です。"), 0.03)]
    assert ExtractiveAnswerer(tokenize).select(analyze("2027年の輸出総額の目標は？"), hits) == []


def test_a_sentence_about_the_note_itself_is_quoted_only_when_the_source_is_asked():
    about = "出典は、県の輸出促進戦略（2024年8月時点）に載っている取組例です。"
    hits = [ScoredChunk(_chunk("a", f"仙台牛はイタリアの飲食店で提供されました。{about}"), 0.03)]
    answerer = ExtractiveAnswerer(tokenize)
    texts = [e.text for e in answerer.select(analyze("仙台牛の取組例は？"), hits)]
    assert texts and about not in texts
    assert about in [e.text for e in answerer.select(analyze("仙台牛の取組例の出典は？"), hits)]
    assert about in [e.text for e in answerer.select(analyze("What is the source of the beef case?"), hits)]


def test_near_duplicates_are_dropped():
    same = "2023年度の仙台牛の輸出量は約46トンで前年度比126.2%でした。"
    hits = [ScoredChunk(_chunk("a", same), 0.03), ScoredChunk(_chunk("b", "戦略では、" + same), 0.02)]
    evidence = ExtractiveAnswerer(tokenize).select(analyze("仙台牛の輸出量は？"), hits)
    assert len(evidence) == 1


def _answer(question: str, *texts: str, given: tuple[str, ...] = ()) -> str:
    hits = [ScoredChunk(_chunk(f"c{i}", t), 0.03 - 0.001 * i) for i, t in enumerate(texts)]
    answerer = ExtractiveAnswerer(tokenize)
    text, _ = answerer.compose(answerer.select(analyze(question), hits, given=given))
    return text


def test_a_question_asking_amount_and_weight_gets_a_unit_for_each():
    text = _answer(
        "2023年の輸出額と重さは？",
        "2023年の仙台牛の輸出額は約9億円でした。県は輸出を支援しています。販路の開拓を続けます。"
        "輸出された仙台牛は合わせて46トンになりました。",
    )
    assert "9億円" in text and "46トン" in text


def test_a_lead_that_introduces_a_list_brings_its_items():
    text = _answer("県が設定した重点の品目は？", "県は次の品目を重点として設定しました。\n○ 牛肉\n○ 日本酒\n○ いちご")
    assert "牛肉" in text and "日本酒" in text and "いちご" in text


def test_two_items_of_one_list_bring_the_whole_list_in_order():
    # the items hold the asked words, the lead does not: the picker takes three items, the list brings the fourth
    items = [f"- 県の輸出の方針{n}は「{name}」です。" for n, name in
             enumerate(["事業者を増やす", "品目を増やす", "仕組みを築く", "連携を深める"], start=1)]
    text = _answer("県の輸出の方針は？", "\n".join(["戦略は次の4つを掲げています。", *items]))
    positions = [text.find(name) for name in ["掲げています", "事業者を増やす", "品目を増やす", "仕組みを築く", "連携を深める"]]
    assert -1 not in positions and positions == sorted(positions)


def test_a_table_row_comes_with_its_header():
    text = _answer("香港の規制は？", "輸出先ごとの状況です。\n| 国・地域 | 規制 |\n|---|---|\n| 香港 | 停止中 |\n| 台湾 | 可能 |")
    assert "国・地域、規制" in text and "香港、停止中" in text
    assert text.index("国・地域、規制") < text.index("香港、停止中")


def test_a_follow_up_prefers_units_the_conversation_has_not_given():
    chunk = "仙台牛の輸出量は約46トンです。仙台牛の輸出先は台湾が最多です。"
    assert "約46トン" in _answer("仙台牛の輸出は？", chunk)
    again = _answer("仙台牛の輸出は？", chunk, given=("仙台牛の輸出量は約46トンです。[1]",))
    assert "台湾" in again and "約46トン" not in again


def test_a_fitted_scorer_ranks_by_its_weights_and_the_unit_vectors():
    import numpy as np

    from bot.sentence_scorer import FEATURES, SentenceScorer

    only_dense = tuple(1.0 if f == "dense" else 0.0 for f in FEATURES)
    scorer = SentenceScorer(only_dense, 0.0, tuple(0.0 for _ in FEATURES), tuple(1.0 for _ in FEATURES))
    chunk = "仙台牛の輸出量は約46トンです。仙台牛の輸出先は台湾が最多です。"
    hits = [ScoredChunk(_chunk("c0", chunk), 0.03)]
    answerer = ExtractiveAnswerer(tokenize, scorer=scorer, unit_cosines=lambda q, cid, reader: np.array([0.1, 0.9]))
    best = answerer.select(analyze("仙台牛の輸出は？"), hits)[0]
    assert "台湾" in best.text


def test_the_shipped_scorer_names_the_answerers_features():
    from bot.sentence_scorer import SentenceScorer

    assert SentenceScorer.load() is not None
