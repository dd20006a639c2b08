"""The bot's word-list data files: a malformed one is a DataFileError naming the file and what is wrong."""
import pytest

from bot.data_files import DataFileError, read_word_lists


@pytest.mark.parametrize("content, says", [
    ("aspect_words: [金額, 件数\n", "unreadable"),
    ("- 金額\n- 件数\n", "not a mapping"),
    ("other: [金額]\n", "missing key"),
    ("aspect_words: 金額\n", "'aspect_words' is not a list of words"),
    ("aspect_words: [金額, {a: b}]\n", "'aspect_words' is not a list of words"),
    ("aspect_words: [金額, '']\n", "'aspect_words' is not a list of words"),
])
def test_a_malformed_word_list_names_the_file_and_the_fault(tmp_path, content, says):
    path = tmp_path / "followup.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        read_word_lists(path, required=("aspect_words",))
    assert str(path) in str(caught.value) and says in str(caught.value) and "形式が正しくありません" in str(caught.value)


def test_a_well_formed_file_reads_as_lists_of_words(tmp_path):
    path = tmp_path / "glossary.yaml"
    path.write_text("ドンキ: [ドン・キホーテ, PPIH]\n2024: [令和6]\nempty:\n", encoding="utf-8")
    assert read_word_lists(path) == {"ドンキ": ["ドン・キホーテ", "PPIH"], "2024": ["令和6"], "empty": []}
    (tmp_path / "blank.yaml").write_text("", encoding="utf-8")
    assert read_word_lists(tmp_path / "blank.yaml") == {}


def test_the_bundled_word_lists_are_well_formed():
    from bot.followup import ASPECTS_PATH
    from bot.names import GENERAL_NAMES_PATH
    from bot.note_self_reference import WORDS_PATH
    from bot.query import GLOSSARY_PATH

    assert read_word_lists(ASPECTS_PATH, required=("aspect_words",))["aspect_words"]
    assert all(read_word_lists(GENERAL_NAMES_PATH, required=("countries", "foods")).values())
    assert len(read_word_lists(GLOSSARY_PATH)) > 50
    assert all(read_word_lists(WORDS_PATH, required=("leads", "asked_by")).values())


def test_an_empty_scope_list_and_a_missing_answer_check_key_are_named(tmp_path):
    from bot.answer_check import answer_check_words
    from bot.ask_support import scope_patterns

    scope = tmp_path / "scope_words.yaml"
    scope.write_text("national: [国]\nprefectural: []\nprefectures: [宮城県]\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="prefectural"):
        scope_patterns.__wrapped__(scope)
    check = tmp_path / "answer_check_ja.yaml"
    check.write_text("yes_leads: [はい]\nno_leads: [いいえ]\nnegative_status: [不可]\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="positive_status"):
        answer_check_words.__wrapped__(check)
    assert scope_patterns() and answer_check_words().yes_leads  # the bundled files read


def test_a_malformed_data_file_stops_start_up(small_index_dir, tmp_path, monkeypatch):
    from bot import names
    from bot.services import build_services
    from bot.settings import Settings

    broken = tmp_path / "general_names.yaml"
    broken.write_text("countries: [インド]\n", encoding="utf-8")  # no foods
    read = names.general_names
    monkeypatch.setattr(names, "general_names", lambda: read(broken))
    try:
        with pytest.raises(DataFileError, match="foods"):
            build_services(Settings(_env_file=None, index_dir=small_index_dir, curated_answers_path=tmp_path / "c.jsonl"))
    finally:
        read.cache_clear()
