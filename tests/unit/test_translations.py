"""The English catalogue is complete and safe to format.

Refresh it after adding or changing strings:
    .venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o danvan_feedback/translations/messages.pot .
    .venv/bin/pybabel update -i danvan_feedback/translations/messages.pot -d danvan_feedback/translations
    (translate the new entries, drop their "#, fuzzy" flags)
    .venv/bin/pybabel compile -d danvan_feedback/translations
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "danvan_feedback" / "translations"
POT = TRANSLATIONS / "messages.pot"
PO_EN = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"

# %(name)s, %(n)d ... and also a bare %s / %d, so a stray positional placeholder is caught too.
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifrx%]")


def placeholders(text: str) -> list[str]:
    """The placeholders of a format string, sorted; "%%" is not one."""
    out = []
    for m in PLACEHOLDER.finditer(text):
        if m.group(0) == "%%":
            continue
        out.append(m.group(0))
    return sorted(out)


def load(path: Path, locale: str | None = None):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


@pytest.fixture(scope="module")
def po():
    return load(PO_EN, "en")


@pytest.fixture(scope="module")
def pot():
    return load(POT)


def entries(catalog):
    return [m for m in catalog if m.id]


def ids(catalog) -> set:
    return {m.id for m in entries(catalog)}


def test_placeholder_helper():
    assert placeholders("Tệp %(name)s vượt quá %(mb)s MB.") == ["%(mb)s", "%(name)s"]
    assert placeholders("100%% xong, %d tệp") == ["%d"]
    assert placeholders("không có") == []


def test_catalogue_is_english(po):
    assert str(po.locale) == "en"
    assert len(entries(po)) > 100


def test_every_message_translated(po):
    def translated(m) -> bool:
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        return all(s and s.strip() for s in strings)

    assert [m.id for m in entries(po) if not translated(m)] == []


def test_no_fuzzy_entries(po):
    assert [m.id for m in entries(po) if m.fuzzy] == []


def test_no_obsolete_entries_left_behind(po):
    assert list(po.obsolete) == []


def test_placeholders_match(po):
    wrong = []
    for m in entries(po):
        msgids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        expected = placeholders(msgids[0])
        for s in strings:
            if placeholders(s) != expected:
                wrong.append((msgids[0], s))
    assert wrong == []


def test_python_format_flag_where_there_are_placeholders(po):
    """Babel marks %(x)s messages as python-format; the test above relies on the msgid, so check the
    two agree (a message with a placeholder but no flag would be extracted oddly)."""
    for m in entries(po):
        msgid = m.id[0] if isinstance(m.id, tuple) else m.id
        if re.search(r"%\(\w+\)s", msgid):
            assert m.python_format, msgid


def test_template_has_no_msgid_missing_from_catalogue(pot, po):
    assert sorted(ids(pot) - ids(po)) == []


def test_catalogue_has_no_msgid_missing_from_template(pot, po):
    """The other direction: an entry only in the .po is a string the code no longer uses (update
    would have made it obsolete)."""
    assert sorted(ids(po) - ids(pot)) == []


@pytest.mark.parametrize("msgid, expected", [
    ("Khiếu nại không thể gửi ẩn danh: theo quy định (Thông tư 05/2021/TT-TTCP, Điều 6), đơn khiếu nại "
     "không ghi rõ họ tên, địa chỉ sẽ không được xử lý. Vui lòng điền thông tin của bạn.",
     "Circular 05/2021/TT-TTCP, art. 6"),
    ("Tệp %(name)s rỗng.", "The file %(name)s is empty."),
    ("Mã tra cứu", "Tracking code"),
])
def test_sample_translations(po, msgid, expected):
    assert expected in po[msgid].string
