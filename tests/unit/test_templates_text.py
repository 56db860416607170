"""danvan_feedback.domain.templates_text: checking and filling reply / reason templates."""
from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from danvan_feedback.domain.templates_text import (MALFORMED, PLACEHOLDERS, STRAY_CLOSE, STRAY_OPEN, UNKNOWN,
                                                   placeholders_used, render_template_text, template_problems)

VALUES = {"ten": "Nguyễn Văn A", "ma": "K7QX-4M2P", "ngay_nhan": "13/02/2026", "ngay_han": "03/03/2026",
          "co_quan": "Sở NN&MT Đồng Nai", "don_vi": "Chi cục Kiểm lâm"}


def test_the_placeholder_list_is_the_agreed_one():
    assert set(PLACEHOLDERS) == {"ten", "ma", "ngay_nhan", "ngay_han", "co_quan", "don_vi"}


@pytest.mark.parametrize("body, expected", [
    ("Kính gửi {ten},", "Kính gửi Nguyễn Văn A,"),
    ("Hồ sơ {ma} nhận ngày {ngay_nhan}, hạn {ngay_han}.", "Hồ sơ K7QX-4M2P nhận ngày 13/02/2026, hạn 03/03/2026."),
    ("{co_quan} giao {don_vi} xử lý.", "Sở NN&MT Đồng Nai giao Chi cục Kiểm lâm xử lý."),
    ("{ten} {ten}", "Nguyễn Văn A Nguyễn Văn A"),
    ("Không có chỗ trống.", "Không có chỗ trống."),
    ("", ""),
    ("Dấu ngoặc {{ten}} viết nguyên văn", "Dấu ngoặc {ten} viết nguyên văn"),
    ("{{}} và {{{ma}}}", "{} và {K7QX-4M2P}"),
])
def test_render(body, expected):
    assert template_problems(body) == []
    assert render_template_text(body, VALUES) == expected


def test_a_missing_value_stays_visible():
    assert render_template_text("Hạn: {ngay_han}.", {"ten": "B"}) == "Hạn: {ngay_han}."
    assert render_template_text("Hạn: {ngay_han}.", {"ngay_han": None}) == "Hạn: {ngay_han}."


def test_values_are_not_read_again_as_template_text():
    assert render_template_text("{ten} / {ma}", {"ten": "{ma}", "ma": "X"}) == "{ma} / X"


def test_non_string_values_are_written_with_str():
    from datetime import date
    assert render_template_text("{ngay_nhan}", {"ngay_nhan": date(2026, 2, 13)}) == "2026-02-13"


@pytest.mark.parametrize("body, kind, text", [
    ("Kính gửi {ho_ten}", UNKNOWN, "{ho_ten}"),
    ("Kính gửi {Ten}", MALFORMED, "{Ten}"),
    ("Kính gửi {tên}", MALFORMED, "{tên}"),
    ("Kính gửi { ten }", MALFORMED, "{ ten }"),
    ("Kính gửi {}", MALFORMED, "{}"),
    ("Kính gửi {ten:>10}", MALFORMED, "{ten:>10}"),
    ("Kính gửi {ten", STRAY_OPEN, "{"),
    ("Kính gửi ten}", STRAY_CLOSE, "}"),
    ("Kính gửi {ten}}", STRAY_CLOSE, "}"),
])
def test_problems_name_the_offending_part(body, kind, text):
    problems = template_problems(body)
    assert [(p.kind, p.text) for p in problems] == [(kind, text)]
    assert body[problems[0].position:].startswith(text)


def test_all_problems_are_listed_in_order():
    problems = template_problems("{a} ok {ten} {b} }")
    assert [(p.kind, p.text) for p in problems] == [(UNKNOWN, "{a}"), (UNKNOWN, "{b}"), (STRAY_CLOSE, "}")]


def test_render_leaves_refused_parts_as_typed():
    assert render_template_text("{ho_ten} {ten} {", VALUES) == "{ho_ten} Nguyễn Văn A {"


def test_placeholders_used():
    assert placeholders_used("{ma} {ten} {ma} {x} {{ngay_han}}") == ["ma", "ten"]


# --------------------------------------------------------------------------- properties

NAMES = sorted(PLACEHOLDERS)
pieces = st.one_of(
    st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=12),
    st.sampled_from(["{{", "}}"]),
    st.sampled_from([f"{{{n}}}" for n in NAMES]),
)
accepted_bodies = st.lists(pieces, max_size=12).map("".join)
value_maps = st.dictionaries(st.sampled_from(NAMES), st.one_of(st.none(), st.text(max_size=10), st.integers()))


@given(st.text())
def test_render_never_raises_on_any_text(body):
    render_template_text(body, VALUES)


@given(accepted_bodies, value_maps)
def test_render_never_raises_on_accepted_bodies(body, values):
    assert template_problems(body) == []
    out = render_template_text(body, values)
    assert isinstance(out, str)


@given(st.text())
def test_accepted_bodies_render_without_placeholders_left(body):
    assume(template_problems(body) == [])
    out = render_template_text(body, {n: "" for n in NAMES})
    # every brace left comes from a {{ or }} escape, and no placeholder survives
    assert out.count("{") == body.count("{{") and out.count("}") == body.count("}}")


@given(st.text(alphabet=st.characters(blacklist_characters="{}")), value_maps)
def test_text_without_braces_is_unchanged(body, values):
    assert template_problems(body) == []
    assert render_template_text(body, values) == body
