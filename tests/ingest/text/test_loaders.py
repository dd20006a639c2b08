"""Loaders on real files of every supported format, and the Japanese errors for bad ones."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.errors import IngestError
from ingest.text.loaders import load_file
from tests.fixtures.docs.make_fixtures import find_japanese_font, write_docx, write_japanese_pdf, write_paged_pdf

DOCS = Path(__file__).resolve().parents[2] / "fixtures" / "docs"


def test_markdown_front_matter_and_body():
    loaded = load_file(DOCS / "oyster_note.md")
    assert loaded.format == "markdown"
    assert loaded.front_matter["title"] == "生食用カキの輸出メモ"
    assert loaded.front_matter["audience"] == "internal"
    assert loaded.text.startswith("# 生食用カキの輸出")
    assert "---" not in loaded.text.split("\n")[0]
    assert not loaded.extracted


def test_plain_text_utf8_with_and_without_bom_and_shift_jis(tmp_path: Path):
    sentence = "牛肉を台湾へ輸出します。"
    (tmp_path / "plain.txt").write_bytes(sentence.encode("utf-8"))
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + sentence.encode("utf-8"))
    (tmp_path / "sjis.txt").write_bytes(sentence.encode("cp932"))
    (tmp_path / "utf16.txt").write_bytes(sentence.encode("utf-16"))  # with BOM, as Windows writes it
    for name in ("plain.txt", "bom.txt", "sjis.txt", "utf16.txt"):
        loaded = load_file(tmp_path / name)
        assert loaded.text == sentence, name
        assert loaded.extracted


def test_undecodable_text_is_a_clear_error(tmp_path: Path):
    # invalid in both encodings; and bytes Python's cp932 maps to private-use characters
    for name, data in (("broken.txt", b"\x81\x7f\x85\x40" * 20), ("private.txt", b"\xa0\xfd\xfe" * 20)):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(IngestError) as info:
            load_file(path)
        assert "文字コード" in str(info.value), name
        assert info.value.path == str(path)


def test_shipped_pdf_yields_its_japanese_text():
    loaded = load_file(DOCS / "japanese.pdf")
    assert loaded.format == "pdf"
    assert "第1章 テスト用の輸出ガイド" in loaded.text
    assert "植物検疫証明書と原産地証明書" in loaded.text
    assert "\x00" not in loaded.text


def test_pdf_generated_now_with_a_japanese_font(tmp_path: Path):
    font = find_japanese_font()
    if font is None:
        pytest.skip("no Japanese font installed (apt-get install -y fonts-noto-cjk)")
    path = write_japanese_pdf(tmp_path / "fresh.pdf", font)
    text = load_file(path).text
    assert "県産のいちごと日本酒を台湾へ輸出する" in text
    assert "(1) 必要な書類" in text


def test_running_header_and_page_numbers_of_a_real_pdf_are_dropped(tmp_path: Path):
    font = find_japanese_font()
    if font is None:
        pytest.skip("no Japanese font installed (apt-get install -y fonts-noto-cjk)")
    bodies = ["米の輸出は増えています。", "牛肉の輸出は台湾向けが中心です。", "いちごは空輸します。", "日本酒は欧米でも人気です。"]
    path = write_paged_pdf(tmp_path / "paged.pdf", font, "輸出の手引き(試験版)", bodies)
    text = load_file(path).text
    assert all(body in text for body in bodies)
    assert "輸出の手引き" not in text
    assert "- 3 -" not in text


def test_html_headings_become_markdown_and_page_chrome_is_dropped():
    loaded = load_file(DOCS / "rice_page.html")
    lines = [line for line in loaded.text.split("\n") if line]
    assert lines == [
        "# 米の輸出案内",
        "精米を台湾へ輸出する事業者向けの案内です。",
        "## 手続き",
        "- 輸出用米の届出をする",
        "- くん蒸の要否を確認する",
        "項目 | 内容",
        "相手国 | 台湾",
    ]
    assert loaded.front_matter == {"title": "米の輸出案内（試験用）"}


def test_docx_heading_styles_become_headings_in_document_order(tmp_path: Path):
    for path in (DOCS / "sake_memo.docx", write_docx(tmp_path / "fresh.docx")):
        loaded = load_file(path)
        lines = [line for line in loaded.text.split("\n") if line]
        assert lines == [
            "# 日本酒の輸出",
            "清酒を米国へ送るときは、ラベルの英語表示を事前に確認します。",
            "## 必要な手続き",
            "輸出者は税関へ申告し、酒税の免除を受けます。",
            "- インボイスを用意する",
            "品目 | 相手国",
            "日本酒 | アメリカ",
        ]
        assert loaded.front_matter == {"title": "日本酒輸出メモ"}


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.txt", "空のファイル"),
        ("binary.md", "バイナリ"),
        ("corrupt.pdf", "PDFが壊れて"),
    ],
)
def test_bad_files_raise_ingest_error_with_a_japanese_reason(name, reason):
    with pytest.raises(IngestError) as info:
        load_file(DOCS / name)
    assert reason in str(info.value)
    assert info.value.path.endswith(name)


def test_other_bad_inputs(tmp_path: Path):
    cases = {
        "sheet.xlsx": (b"PK\x03\x04whatever", "対応していない形式"),
        "fake.docx": (b"PK\x03\x04 not really a zip", "DOCXが壊れて"),
        "not_a.pdf": (b"hello, I am text", "PDFとして読めません"),
        "blank.md": (b"---\ntitle: x\n---\n\n   \n", "本文がありません"),
        "chrome.html": (b"<html><body><nav>menu</nav><script>x()</script></body></html>", "HTMLに本文がありません"),
    }
    for name, (data, reason) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(IngestError) as info:
            load_file(path)
        assert reason in str(info.value), name


def test_unreadable_file_is_reported(tmp_path: Path):
    path = tmp_path / "secret.txt"
    shutil.copy(DOCS / "sweetpotato_report.txt", path)
    path.chmod(0)
    try:
        try:
            path.read_bytes()
            pytest.skip("running as a user who can read mode-000 files (root)")
        except PermissionError:
            pass
        with pytest.raises(IngestError) as info:
            load_file(path)
        assert "読めません" in str(info.value)
    finally:
        path.chmod(0o644)


def test_a_directory_named_like_a_document_is_unreadable(tmp_path: Path):
    path = tmp_path / "folder.md"
    path.mkdir()
    with pytest.raises(IngestError) as info:
        load_file(path)
    assert "読めません" in str(info.value)


def test_html_text_outside_paragraphs_is_kept(tmp_path: Path):
    path = tmp_path / "loose.html"
    path.write_text(
        "<html><body><div>導入の文です。<p>段落の文です。</p>続きの文です。<span>強調</span></div>"
        "<!-- コメントは本文ではない --><ul><li>項目<b>太字</b></li></ul>末尾の文です。</body></html>",
        encoding="utf-8",
    )
    lines = [line for line in load_file(path).text.split("\n") if line]
    assert lines == ["導入の文です。", "段落の文です。", "続きの文です。強調", "- 項目太字", "末尾の文です。"]
