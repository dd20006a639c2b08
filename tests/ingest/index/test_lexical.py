import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from ingest.index.lexical import LexicalIndex, tokenize, tokenizer_info


def test_tokens_are_content_words_in_normalized_form():
    tokens = tokenize("香港向けの生牡蠣は、輸出が禁止されています。")
    assert "の" not in tokens and "は" not in tokens and "、" not in tokens and "。" not in tokens
    assert "香港" in tokens and "輸出" in tokens and "禁止" in tokens
    # Sudachi normalizes variant spellings, so 牡蠣 in a question matches 牡蛎 in a document
    assert tokenize("牡蠣", char_bigrams=False) == tokenize("牡蛎", char_bigrams=False)
    assert tokenize("さつま芋", char_bigrams=False) == tokenize("サツマイモ", char_bigrams=False)
    assert tokenize("いちご", char_bigrams=False) == tokenize("イチゴ", char_bigrams=False)


def test_character_bigrams_of_japanese_runs_are_added_beside_the_words():
    tokens = tokenize("輸出促進", char_bigrams=True)
    assert {"輸出", "出促", "促進"} <= set(tokens)
    assert "出促" not in tokenize("輸出促進", char_bigrams=False)


def test_latin_is_lowercased_and_full_width_folded():
    assert "haccp" in tokenize("ＨＡＣＣＰ対応")
    assert "haccp" in tokenize("HACCP対応")


def test_empty_and_punctuation_only_texts_have_no_tokens():
    assert tokenize("") == []
    assert tokenize("。、・「」　 \n") == []


def test_long_texts_are_tokenized_whole():
    text = "宮城県の輸出。" * 3000  # above Sudachi's single-input limit
    assert tokenize(text, char_bigrams=False).count("輸出") == 3000


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("あいう漢字輸出カキ ABCabc123。、・\n")), max_size=80))
def test_tokens_are_never_blank_or_padded(text):
    for token in tokenize(text):
        assert token and token == token.strip() and token == token.lower()


def test_tokenizer_info_names_mode_and_dictionary():
    info = tokenizer_info()
    assert info["name"] == "sudachipy" and info["mode"] in ("A", "B", "C")
    assert str(info["dict"]).startswith("sudachidict-core")


def _index():
    texts = {
        "oyster": "香港向けの牡蠣は輸出が止められている",
        "berry": "台湾向けのいちごは残留農薬基準を確認する",
        "secret": "内部限定カナリア 担当者メモ",
    }
    return LexicalIndex.build(list(texts), [tokenize(t) for t in texts.values()])


def test_search_ranks_matching_chunks_and_skips_non_matching():
    index = _index()
    hits = index.search(tokenize("牡蠣を香港へ"), k=5)
    assert [chunk_id for chunk_id, _ in hits] == ["oyster"]
    assert hits[0][1] > 0
    assert index.search(tokenize("まったく無関係なスキー場"), k=5) == []
    assert index.search([], k=5) == []


def test_mask_hides_rows():
    index = _index()
    query = tokenize("カナリア メモ")
    assert [c for c, _ in index.search(query, 5)] == ["secret"]
    assert index.search(query, 5, mask=np.array([True, True, False])) == []


def test_save_and_load_give_the_same_results(tmp_path):
    index = _index()
    index.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    assert loaded.chunk_ids == index.chunk_ids
    query = tokenize("いちご 台湾")
    assert loaded.search(query, 3) == index.search(query, 3)


def test_a_chunk_without_tokens_is_indexed_but_never_found():
    index = LexicalIndex.build(["empty", "full"], [[], tokenize("輸出")])
    assert [c for c, _ in index.search(tokenize("輸出"), 5)] == ["full"]


@pytest.mark.parametrize("block", [1, 3, 1 << 20])
def test_terms_are_the_tokens_of_the_rows_the_mask_keeps(block):
    texts = {"oyster": "香港向けの牡蠣は輸出が止められている", "empty": "。、",
             "berry": "台湾向けのいちごは残留農薬基準を確認する", "secret": "内部限定カナリア 担当者メモ"}
    tokens = {chunk_id: tokenize(text) for chunk_id, text in texts.items()}
    index = LexicalIndex.build(list(texts), list(tokens.values()))
    everything = set().union(*tokens.values())
    assert index.terms(block=block) == everything and "" not in everything  # the empty row's stand-in is no term
    kept = np.array([True, True, True, False])
    assert index.terms(kept, block=block) == set(tokens["oyster"]) | set(tokens["berry"])
    assert "カナリア" in everything and "カナリア" not in index.terms(kept, block=block)
    assert index.terms(np.zeros(4, dtype=bool), block=block) == frozenset()


def test_terms_survive_save_and_load(tmp_path):
    index = _index()
    index.save(tmp_path / "lexical")
    mask = np.array([True, True, False])
    assert LexicalIndex.load(tmp_path / "lexical").terms(mask) == index.terms(mask)


def test_each_thread_has_one_sudachi_tokenizer():
    import threading

    from ingest.index.lexical import sudachi_tokenizer

    assert sudachi_tokenizer() is sudachi_tokenizer()
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(sudachi_tokenizer()))
    thread.start()
    thread.join()
    assert other[0] is not sudachi_tokenizer()


def test_noun_morphemes_are_every_noun_as_sudachi_found_it():
    from ingest.index.lexical import noun_morphemes

    nouns = noun_morphemes("香港向けの牡蛎は、２０２４年に輸出された。")
    assert nouns == [("香港", "香港", "固有名詞", "地名"), ("牡蠣", "牡蛎", "普通名詞", "一般"),  # normalized form, surface
                     ("2024", "2024", "数詞", "*"), ("年", "年", "普通名詞", "助数詞可能"),  # after NFKC; numbers too
                     ("輸出", "輸出", "普通名詞", "サ変可能")]


LONG = "宮城県の牡蛎を香港へ輸出する。" * 400  # above the 4,000 characters tokenize cuts into pieces
CUT_IN_A_WORD = "輸出" * 1999 + "の香港へ"  # no sentence end to cut at: tokenize's first piece ends inside 香港


@pytest.mark.parametrize("text", ["香港向けの牡蛎は、２０２４年に輸出された。", "", "。、", "ＨＡＣＣＰ対応の工場", LONG,
                                  CUT_IN_A_WORD])
def test_tokens_and_nouns_are_tokenize_and_noun_morphemes_of_the_text(text):
    from ingest.index.lexical import noun_morphemes, tokens_and_nouns

    assert tokens_and_nouns(text) == (tokenize(text), noun_morphemes(text))


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("あいう漢字輸出カキ牡蛎港 ABCabc123１２。、・\n")), max_size=80))
def test_one_pass_gives_the_same_tokens_and_nouns_as_two(text):
    from ingest.index.lexical import noun_morphemes, tokens_and_nouns

    assert tokens_and_nouns(text) == (tokenize(text), noun_morphemes(text))


def test_the_noun_table_keeps_public_nouns_apart_from_nouns_only_internal_chunks_have(tmp_path):
    from ingest.index.lexical import NounTable, noun_morphemes

    public, internal = noun_morphemes("香港向けの牡蛎"), noun_morphemes("内部限定カナリアと香港")
    table = NounTable()
    table.add(public, public=True)
    table.add(internal, public=False)
    table.save(tmp_path)
    assert sorted(set(public)) == NounTable.read(tmp_path, public_only=True)
    assert sorted(set(public) | set(internal)) == sorted(NounTable.read(tmp_path, public_only=False) or [])
    assert NounTable.read(tmp_path / "elsewhere", public_only=True) is None  # an index written before the table


def test_nouns_of_a_text_above_sudachis_input_limit_are_all_found():
    from ingest.index.lexical import noun_morphemes

    text = "宮城県の牡蛎を香港へ輸出する。" * 1500  # ~67 KB in UTF-8: Sudachi refuses it as one input
    assert len(text.encode("utf-8")) > 49_149
    assert [surface for _form, surface, _p1, _p2 in noun_morphemes(text)].count("香港") == 1500


@pytest.mark.parametrize("content", ["{not json", '{"public": []}', '{"public": [["a", "b"]], "internal": []}',
                                     b"\xff\xfe"])
def test_a_broken_noun_table_is_a_corrupt_index_that_names_the_file_and_the_rebuild(tmp_path, content):
    from ingest.index.lexical import NounTable
    from ingest.index.manifest import IndexCorruptError

    lexical = tmp_path / "idx" / "gen-000001" / "lexical"
    lexical.mkdir(parents=True)
    path = lexical / "nouns.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(IndexCorruptError) as caught:
        NounTable.read(lexical, public_only=False)
    assert str(path) in str(caught.value) and "作り直してください" in str(caught.value)
