"""Switching the interface language (/ngon-ngu/<lang>) and the English catalogue in use."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

HTML_LANG = re.compile(r'<html lang="([^"]+)">')


def html_lang(page: str) -> str:
    return HTML_LANG.search(page).group(1)


def test_vietnamese_by_default(client):
    page = client.get("/").get_data(as_text=True)
    assert html_lang(page) == "vi"
    assert "Bạn muốn gửi điều gì đến cơ quan?" in page
    assert "Khiếu nại" in page


def test_switch_to_english(client):
    resp = client.get("/ngon-ngu/en?next=/")
    assert resp.status_code in (302, 303)
    assert urlsplit(resp.headers["Location"]).path == "/"

    home = client.get("/")
    assert home.status_code == 200
    page = home.get_data(as_text=True)
    assert html_lang(page) == "en"
    assert "What would you like to send to the department?" in page
    assert "Complaint" in page and "Denunciation" in page          # kind names (database, name_en)
    assert "Track your case with its code" in page                 # catalogue string
    assert "Bạn muốn gửi điều gì đến cơ quan?" not in page
    assert 'lang="vi">Tiếng Việt</a>' in page                      # the way back

    form = client.get("/gui/khieu_nai")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert html_lang(page) == "en"
    assert "<title>Complaint" in page
    assert "Submit: complaint" in page
    assert "Circular 05/2021/TT-TTCP, art. 6" in page
    assert "Full name" in page and "Contact address" in page
    assert "Họ và tên" not in page


def test_switch_back_to_vietnamese(client):
    client.get("/ngon-ngu/en?next=/")
    client.get("/ngon-ngu/vi?next=/")
    page = client.get("/").get_data(as_text=True)
    assert html_lang(page) == "vi"
    assert "Bạn muốn gửi điều gì đến cơ quan?" in page


def test_next_keeps_a_local_path(client):
    resp = client.get("/ngon-ngu/en?next=/gui/khieu_nai")
    assert resp.status_code in (302, 303)
    assert urlsplit(resp.headers["Location"]).path == "/gui/khieu_nai"


@pytest.mark.parametrize("target", [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "javascript:alert(1)//evil.example",
    "https:evil.example",
])
def test_next_never_leaves_the_site(client, target):
    resp = client.get("/ngon-ngu/en", query_string={"next": target})
    assert resp.status_code in (302, 303)
    location = resp.headers["Location"]
    assert "evil.example" not in location
    parts = urlsplit(location)
    assert parts.netloc in ("", "localhost")  # relative, or the test server itself
    assert parts.path == "/"
    # the language was still switched
    assert html_lang(client.get("/").get_data(as_text=True)) == "en"


def test_unknown_language_is_ignored(client):
    resp = client.get("/ngon-ngu/xx?next=/")
    assert resp.status_code in (302, 303)
    page = client.get("/").get_data(as_text=True)
    assert html_lang(page) == "vi"
    assert "Bạn muốn gửi điều gì đến cơ quan?" in page


def test_unknown_language_keeps_english(client):
    client.get("/ngon-ngu/en?next=/")
    client.get("/ngon-ngu/xx?next=/")
    assert html_lang(client.get("/").get_data(as_text=True)) == "en"


def test_switching_language_on_a_form_keeps_the_draft_and_its_photo(client, app):
    """Issue 14: the language button of a form being filled sends the draft along (no JavaScript
    needed): the form comes back in English with everything typed and the photo held."""
    import io
    import re

    from tests.conftest import form_tokens
    from tests.factories import complaint, jpeg_bytes
    page = client.get("/gui/khieu_nai").get_data(as_text=True)
    assert 'form="case-form" name="switch_lang" value="en"' in page and 'id="case-form"' in page
    tokens = form_tokens(client, "/gui/khieu_nai")
    data = {**tokens, **complaint(cccd="0751"), "switch_lang": "en",
            "attachments": [(io.BytesIO(jpeg_bytes()), "anh.jpg")]}
    resp = client.post("/gui/khieu_nai", data=data, content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html_lang(html) == "en" and "Submit: complaint" in html
    assert 'value="Trần Thị Bình"' in html and 'value="0751"' in html  # as typed, mistakes not pointed at yet
    assert "error-summary" not in html
    assert "Attached: anh.jpg" in html and re.search(r'name="held" value="[^"]+"', html)
    assert 'name="switch_lang" value="vi"' in html  # and back
    assert html_lang(client.get("/").get_data(as_text=True)) == "en"  # the choice is remembered
