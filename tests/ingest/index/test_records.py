"""The one JSON Lines reader: blank lines skipped, a bad line named by file and number, never half a file."""
import pytest

from ingest.index.records import JsonlError, read_jsonl


def test_objects_come_back_in_order_and_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": 1, "q": "香港"}\n\n  \n{"id": 2}\n', encoding="utf-8")
    assert read_jsonl(path) == [{"id": 1, "q": "香港"}, {"id": 2}]


@pytest.mark.parametrize(("text", "line"), [('{"id": 1}\n{"id": 2\n', 2), ('{"id": 1}\n\n[1, 2]\n', 3)])
def test_a_bad_line_is_an_error_that_names_it(tmp_path, text, line):
    path = tmp_path / "bad.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(JsonlError) as error:
        read_jsonl(path)
    assert error.value.line == line and f"{path}:{line}" in str(error.value)


def test_a_missing_or_undecodable_file_is_an_error(tmp_path):
    with pytest.raises(JsonlError):
        read_jsonl(tmp_path / "missing.jsonl")
    (tmp_path / "latin.jsonl").write_bytes(b'{"q": "\xff"}\n')
    with pytest.raises(JsonlError):
        read_jsonl(tmp_path / "latin.jsonl")
