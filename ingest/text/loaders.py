"""Read one file of a supported format into raw text plus any metadata the file itself carries."""
from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import IngestError
from ingest.text.normalize import drop_running_lines

MARKDOWN_SUFFIXES = (".md", ".markdown")
TEXT_SUFFIXES = (".txt",)
PDF_SUFFIXES = (".pdf",)
HTML_SUFFIXES = (".html", ".htm")
DOCX_SUFFIXES = (".docx",)
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES + TEXT_SUFFIXES + PDF_SUFFIXES + HTML_SUFFIXES + DOCX_SUFFIXES

# Encodings tried in order for plain text: UTF-8 (with or without BOM), then Windows Japanese.
TEXT_ENCODINGS = ("utf-8-sig", "cp932")


@dataclass(frozen=True)
class LoadedFile:
    """Raw text of a file before normalization, with its own metadata (Markdown front matter)."""

    text: str
    format: str  # markdown | text | pdf | html | docx
    raw: bytes
    front_matter: dict = field(default_factory=dict)

    @property
    def extracted(self) -> bool:
        """True when the text was extracted from a page layout (lines wrap mid-sentence)."""
        return self.format in ("text", "pdf")


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > max(8, len(sample) // 100)


def decode_text(data: bytes, path: str) -> str:
    """Decode plain text: UTF-8 (BOM or not), UTF-16 with BOM, else CP932/Shift_JIS; a clear error otherwise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Windows "Unicode" text: NULs are expected
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise IngestError(path, "UTF-16 のテキストとして読めません（ファイルが壊れています）") from exc
    if _looks_binary(data):
        raise IngestError(path, "バイナリファイルのようです（テキストとして読めません）")
    for encoding in TEXT_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Python's cp932 maps stray bytes (0xA0, 0xFD-0xFF) to private-use characters instead of
        # failing: text full of them was not Shift_JIS at all.
        private = sum(1 for c in text if "\ue000" <= c <= "\uf8ff")
        if private and private > len(text) // 100:
            continue
        return text
    raise IngestError(path, "文字コードを判別できません（UTF-8 または Shift_JIS で保存してください）")


def _require_text(text: str, path: str) -> str:
    if not text.strip():
        raise IngestError(path, "本文がありません（空のファイルです）")
    return text


def load_markdown(data: bytes, path: str) -> LoadedFile:
    import frontmatter
    import yaml

    text = decode_text(data, path)
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        raise IngestError(path, f"フロントマター（YAML）を解析できません: {exc.__class__.__name__}") from exc
    if not isinstance(post.metadata, dict):
        raise IngestError(path, "フロントマターが key: value の形式ではありません")
    return LoadedFile(_require_text(post.content, path), "markdown", data, dict(post.metadata))


def load_text(data: bytes, path: str) -> LoadedFile:
    return LoadedFile(_require_text(decode_text(data, path), path), "text", data)


def load_pdf(data: bytes, path: str) -> LoadedFile:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.startswith(b"%PDF"):
        raise IngestError(path, "PDFとして読めません（ファイルが壊れているか、PDFではありません）")
    # pypdf logs repair warnings ("EOF marker not found") itself; the reason goes in IngestError.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(path, "パスワード付きのPDFは読めません")
        pages = [page.extract_text() or "" for page in reader.pages]
    except IngestError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise IngestError(path, f"PDFが壊れていて読めません（{exc.__class__.__name__}）") from exc
    # Some writers (fpdf2 CID fonts, seen with Noto CJK) map glyphs to UTF-16 units that pypdf
    # returns as NUL + character: the NULs and other control bytes are noise, never content.
    pages = drop_running_lines([_CONTROL_CHARS.sub("", page) for page in pages])
    text = "\n".join(pages)
    if not text.strip():
        raise IngestError(path, "PDFからテキストを取り出せません（画像だけのPDFの可能性があります）")
    return LoadedFile(text, "pdf", data)


_DROP_TAGS = ("script", "style", "nav", "header", "footer", "noscript", "template", "svg", "form", "head")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Tags that start a new line; everything else is inline and flows into the current line.
_BLOCK_TAGS = frozenset((
    "p", "div", "section", "article", "main", "aside", "blockquote", "pre", "ul", "ol", "dl", "dt", "dd",
    "table", "thead", "tbody", "tfoot", "caption", "figure", "figcaption", "address", "hr", "br", "body",
))


class _HtmlText:
    """Walks an HTML tree into lines: headings → Markdown headings, li → bullets, tr → cells."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.buffer: list[str] = []

    def flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self.buffer)).strip()
        self.buffer = []
        if text:
            self.lines.extend([text, ""])

    def walk(self, node) -> None:
        from bs4 import Comment, NavigableString, Tag

        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                self.buffer.append(str(child))
            elif isinstance(child, Tag):
                self.element(child)

    def element(self, tag) -> None:
        name = tag.name
        if name in _HEADINGS:
            self.flush()
            text = re.sub(r"\s+", " ", tag.get_text(" ")).strip()
            if text:
                # Markdown headings, so section detection works the same for every format
                self.lines.extend(["", "#" * int(name[1]) + " " + text, ""])
        elif name == "li":
            self.flush()
            self.walk(tag)
            text = re.sub(r"\s+", " ", "".join(self.buffer)).strip()
            self.buffer = []
            if text:
                self.lines.append("- " + text)
        elif name == "tr":
            self.flush()
            cells = [re.sub(r"\s+", " ", cell.get_text(" ")).strip() for cell in tag.find_all(["th", "td"])]
            if any(cells):
                self.lines.append(" | ".join(cells))
        elif name in _BLOCK_TAGS:
            self.flush()
            self.walk(tag)
            self.flush()
        else:
            self.walk(tag)


def load_html(data: bytes, path: str) -> LoadedFile:
    from bs4 import BeautifulSoup

    if _looks_binary(data):
        raise IngestError(path, "バイナリファイルのようです（HTMLとして読めません）")
    soup = BeautifulSoup(data, "lxml")
    title = soup.title.get_text(strip=True) if soup.title else ""
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    walker = _HtmlText()
    walker.walk(soup.body or soup)
    walker.flush()
    text = "\n".join(walker.lines)
    if not text.strip():
        raise IngestError(path, "HTMLに本文がありません")
    return LoadedFile(text, "html", data, {"title": title} if title else {})


def load_docx(data: bytes, path: str) -> LoadedFile:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, PackageNotFoundError, lxml errors: a corrupt package either way
        raise IngestError(path, f"DOCXが壊れていて読めません（{exc.__class__.__name__}）") from exc

    lines: list[str] = []
    # Body children in document order, so tables stay where the author put them.
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.extend(_docx_paragraph_lines(Paragraph(child, document)))
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells = [cell.text.strip() for cell in row.cells]
                if any(cells):
                    lines.append(" | ".join(cells))
            lines.append("")
    text = "\n".join(lines)
    if not text.strip():
        raise IngestError(path, "DOCXに本文がありません")
    title = (document.core_properties.title or "").strip()
    return LoadedFile(text, "docx", data, {"title": title} if title else {})


def _docx_paragraph_lines(paragraph) -> list[str]:
    text = paragraph.text.strip()
    if not text:
        return []
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if m := re.match(r"Heading (\d)", style):
        return ["", "#" * min(int(m.group(1)), 6) + " " + text, ""]
    if style == "Title":
        return ["", "# " + text, ""]
    if style.startswith("List"):
        return ["- " + text]
    return [text, ""]


def load_file(path: Path) -> LoadedFile:
    """Load a supported file; IngestError (Japanese reason) when it is unreadable, empty, binary or corrupt."""
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(name, f"対応していない形式です（{suffix or '拡張子なし'}）")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(name, f"ファイルを読めません（{exc.strerror or exc.__class__.__name__}）") from exc
    if not data.strip():
        raise IngestError(name, "空のファイルです")
    if suffix in MARKDOWN_SUFFIXES:
        return load_markdown(data, name)
    if suffix in TEXT_SUFFIXES:
        return load_text(data, name)
    if suffix in PDF_SUFFIXES:
        return load_pdf(data, name)
    if suffix in HTML_SUFFIXES:
        return load_html(data, name)
    return load_docx(data, name)
