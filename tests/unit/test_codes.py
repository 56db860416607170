"""danvan_feedback.domain.codes: tracking codes and PINs."""
from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from danvan_feedback.domain.codes import (
    check_pin, hash_pin, new_opaque_id, new_pin, new_tracking_code, normalize_tracking_code,
)

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"   # written out here: no I, L, O, U
CODE_RE = re.compile(r"DV-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")
KEY = "pin-key-for-tests"


def test_alphabet_has_32_symbols_without_lookalikes():
    assert len(CROCKFORD) == len(set(CROCKFORD)) == 32
    assert not set("ILOU") & set(CROCKFORD)
    assert all(CODE_RE.fullmatch(f"DV-{ch * 4}-{ch * 4}") for ch in CROCKFORD)
    assert not any(CODE_RE.fullmatch(f"DV-{ch * 4}-0000") for ch in "ILOUilou")


def test_new_code_format():
    codes = {new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000                       # 40 random bits: no collision in 2000 draws
    for code in codes:
        assert CODE_RE.fullmatch(code), code
        assert len(code) == 12
        assert not set(code[3:].replace("-", "")) & set("ILOU")
    used = set("".join(c[3:].replace("-", "") for c in codes))
    assert used == set(CROCKFORD)                   # 16000 symbols drawn: every symbol shows up


@pytest.mark.parametrize("raw, expected", [
    ("DV-7K4M-X9QP", "DV-7K4M-X9QP"),
    ("dv-7k4m-x9qp", "DV-7K4M-X9QP"),
    ("dv 7k4m x9qp", "DV-7K4M-X9QP"),
    ("DV7K4MX9QP", "DV-7K4M-X9QP"),
    ("7K4M-X9QP", "DV-7K4M-X9QP"),                  # prefix missing
    ("7k4mx9qp", "DV-7K4M-X9QP"),
    ("  DV - 7K4M - X9QP  ", "DV-7K4M-X9QP"),
    ("DV.7K4M.X9QP", "DV-7K4M-X9QP"),
    ("DV_7K4M/X9QP", "DV-7K4M-X9QP"),
    ("DV-7K4M-X9QP\n", "DV-7K4M-X9QP"),
    ("DV-O0O0-0000", "DV-0000-0000"),               # letter O read as zero
    ("dv-o1il-0000", "DV-0111-0000"),               # o → 0, I and L → 1
    ("DV-UUUU-0000", "DV-VVVV-0000"),               # U → V
    ("DV-DV12-3456", "DV-DV12-3456"),               # a body that itself starts with DV
    ("DV12-3456", "DV-DV12-3456"),                  # ... typed without the prefix: 8 symbols = body
    ("DVDV123456", "DV-DV12-3456"),
])
def test_normalize_accepts(raw, expected):
    assert normalize_tracking_code(raw) == expected


@pytest.mark.parametrize("raw", [
    "", None, "DV", "DV-7K4M-X9Q",                  # 7 symbols
    "DV-7K4M-X9QPZ",                                # 9 symbols
    "7K4M-X9Q", "7K4MX9QPZ",
    "XX-7K4M-X9QP",                                 # 10 symbols, wrong prefix
    "DV-7K4M-X9Q!",                                 # punctuation is dropped: 7 symbols left
    "DV-7K4M-X9QĐ",                                 # not Latin
    "DV-７K4M-X9QP",                                # full-width digit
    "DV-7K4M-X9Q²",
    "DV-DV-7K4M-X9QP",                              # prefix twice: 12 symbols
])
def test_normalize_rejects(raw):
    assert normalize_tracking_code(raw) is None


codes = st.builds(lambda body: f"DV-{body[:4]}-{body[4:]}",
                  st.text(alphabet=CROCKFORD, min_size=8, max_size=8))


@given(codes)
def test_normalize_is_identity_on_codes(code):
    assert normalize_tracking_code(code) == code


@given(codes, st.sampled_from(["lower", "nodash", "spaces", "noprefix", "noprefix-lower"]))
def test_normalize_undoes_typing_variants(code, variant):
    body = code[3:].replace("-", "")
    typed = {"lower": code.lower(), "nodash": code.replace("-", ""),
             "spaces": f" dv {body[:4]} {body[4:]} ", "noprefix": f"{body[:4]}-{body[4:]}",
             "noprefix-lower": body.lower()}[variant]
    assert normalize_tracking_code(typed) == code


@given(st.integers(0, 100))
def test_normalize_new_codes(_):
    code = new_tracking_code()
    assert normalize_tracking_code(code) == code
    assert normalize_tracking_code(code.lower().replace("-", " ")) == code


@given(st.text())
@example("ß" * 4)
@example("ﬃ" * 3)
@example("dv" + "o" * 8)
def test_normalize_any_text_is_none_or_a_code(raw):
    out = normalize_tracking_code(raw)
    assert out is None or CODE_RE.fullmatch(out)
    if out is not None:
        assert normalize_tracking_code(out) == out


# ------------------------------------------------------------------------------------------ PIN

def test_new_pin_is_six_digits():
    pins = [new_pin() for _ in range(2000)]
    assert all(len(p) == 6 and p.isascii() and p.isdigit() for p in pins)
    assert len(set(pins)) > 1900                    # random, not a counter or a constant
    assert set("".join(pins)) == set("0123456789")


def test_hash_pin_is_keyed_hex_and_deterministic():
    h = hash_pin(KEY, "DV-7K4M-X9QP", "123456")
    assert re.fullmatch(r"[0-9a-f]{64}", h)
    assert hash_pin(KEY, "DV-7K4M-X9QP", "123456") == h
    assert hash_pin("another-key", "DV-7K4M-X9QP", "123456") != h
    assert "123456" not in h


def test_check_pin():
    code = "DV-7K4M-X9QP"
    stored = hash_pin(KEY, code, "123456")
    assert check_pin(KEY, code, "123456", stored)
    assert check_pin(KEY, code, " 123456 ", stored)          # surrounding spaces forgiven
    assert not check_pin(KEY, code, "123457", stored)
    assert not check_pin(KEY, code, "", stored)
    assert not check_pin(KEY, code, "1234567", stored)
    assert not check_pin("another-key", code, "123456", stored)


def test_pin_is_bound_to_its_code():
    stored = hash_pin(KEY, "DV-7K4M-X9QP", "123456")
    assert not check_pin(KEY, "DV-7K4M-X9QR", "123456", stored)
    assert hash_pin(KEY, "DV-AAAA-BBBB", "123456") != hash_pin(KEY, "DV-AAAA-BBBC", "123456")


@given(codes, st.text(alphabet="0123456789", min_size=6, max_size=6),
       st.text(alphabet="0123456789", min_size=6, max_size=6))
def test_only_the_right_pin_opens(code, pin, other):
    stored = hash_pin(KEY, code, pin)
    assert check_pin(KEY, code, pin, stored)
    assert check_pin(KEY, code, other, stored) == (other == pin)


def test_opaque_id():
    ids = {new_opaque_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"[0-9a-f]{24}", i) for i in ids)
    assert re.fullmatch(r"[0-9a-f]{8}", new_opaque_id(4))
