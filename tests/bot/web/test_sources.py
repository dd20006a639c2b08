"""Source pages: pure rendering (escaping, anchors, safe links) and the route over the real index."""
from __future__ import annotations

from fastapi.testclient import TestClient

from bot.web.sources import render_message_page, render_source_page
from ingest.models import DocumentMeta, Section


def meta(**overrides) -> DocumentMeta:
    values = dict(doc_id="d", title="香港向け<カキ>の資料", source_file="d.md", source="県資料 第2章",
                  source_url="https://www.example.jp/a?b=1&c=2", as_of="2024-11", audience="public", kind="regulation")
    return DocumentMeta(**{**values, **overrides})


SECTIONS = [
    Section(path=("概要",), anchor="s-1", text="第一段落。\n\n<script>alert(1)</script>"),
    Section(path=("概要", "現在の扱い"), anchor="s-1-1", text="2023年8月以降、輸入停止。"),
]


def test_page_has_title_meta_and_one_anchored_section_each():
    html = render_source_page(meta(), SECTIONS)
    assert "<title>香港向け&lt;カキ&gt;の資料</title>" in html
    assert '<section id="s-1"><h2>概要</h2>' in html
    assert '<section id="s-1-1"><h3>現在の扱い</h3>' in html
    assert '<a href="#s-1-1">現在の扱い</a>' in html  # table of contents
    assert "2024-11" in html and "県資料 第2章" in html
    assert 'href="https://www.example.jp/a?b=1&amp;c=2"' in html and 'rel="noopener noreferrer"' in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "内部資料" not in html


def test_non_web_source_urls_are_not_links():
    html = render_source_page(meta(source_url="javascript:alert(1)"), SECTIONS)
    assert "javascript:" not in html


def test_internal_documents_carry_a_badge():
    assert "内部資料（コーディネーター限定" in render_source_page(meta(audience="internal"), SECTIONS)


def test_message_page_escapes():
    assert "&lt;b&gt;" in render_message_page("<b>", "x")


def test_every_citation_of_an_answer_resolves_to_an_anchor_on_its_page(client: TestClient):
    for question in ["カキは香港に輸出できますか", "いちごを台湾に輸出するときの注意点は？", "輸出の相談窓口はどこ？"]:
        for citation in client.post("/api/ask", json={"question": question}).json()["citations"]:
            path, anchor = citation["url"].split("#")
            page = client.get(path)
            assert page.status_code == 200, citation
            assert f'id="{anchor}"' in page.text
            assert citation["title"].split("(")[0] in page.text


def test_consultation_page_exists_for_the_widget_link(client: TestClient):
    page = client.get("/sources/contact-export-consultation")
    assert page.status_code == 200 and "相談" in page.text
    assert page.headers["content-type"].startswith("text/html")
