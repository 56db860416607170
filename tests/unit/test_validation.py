"""danvan_feedback.domain.validation: identity numbers, phones, text, and what each kind requires."""
from __future__ import annotations

import importlib.util
import json
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from danvan_feedback.domain.validation import (clean_coordinates,
    CCCD_PROVINCES, KindPolicy, Invalid, clean_cccd, clean_phone, clean_tax_code, clean_text,
    fold_diacritics, same_phone, submission_errors,
)

TODAY = date(2026, 11, 27)

# The 63 province codes of Circular 07/2016/TT-BCA, written out here independently of the module.
PROVINCES = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn", "008": "Tuyên Quang",
    "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu", "014": "Sơn La", "015": "Yên Bái",
    "017": "Hoà Bình", "019": "Thái Nguyên", "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang",
    "025": "Phú Thọ", "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định", "037": "Ninh Bình",
    "038": "Thanh Hoá", "040": "Nghệ An", "042": "Hà Tĩnh", "044": "Quảng Bình", "045": "Quảng Trị",
    "046": "Thừa Thiên Huế", "048": "Đà Nẵng", "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định",
    "054": "Phú Yên", "056": "Khánh Hoà", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng", "070": "Bình Phước",
    "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai", "077": "Bà Rịa - Vũng Tàu",
    "079": "TP Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh",
    "086": "Vĩnh Long", "087": "Đồng Tháp", "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ",
    "093": "Hậu Giang", "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}


def code_of(fn, *args):
    """The error code ``fn`` raises, or None when it accepts."""
    try:
        fn(*args)
    except Invalid as exc:
        return exc.code
    return None


# ---------------------------------------------------------------------------------------- CCCD

def test_province_table_is_the_official_one():
    assert len(PROVINCES) == 63
    assert set(CCCD_PROVINCES) == set(PROVINCES)


@pytest.mark.parametrize("raw, expected", [
    ("075190001234", "075190001234"),       # Đồng Nai, man born 1990
    ("001099012345", "001099012345"),       # Hà Nội, man born 1999
    ("079301000001", "079301000001"),       # TP HCM, woman born 2001 (digit 3: 21st century, female)
    ("096226000000", "096226000000"),       # born 2026, the current year: allowed
    ("075 190 001 234", "075190001234"),    # spaces
    ("075.190.001.234", "075190001234"),    # dots
    ("075-190-001-234", "075190001234"),    # hyphens
    ("  075190001234\n", "075190001234"),   # surrounding whitespace
    ("0 7 5\t1 9 0 0 0 1 2 3 4", "075190001234"),
])
def test_cccd_valid(raw, expected):
    assert clean_cccd(raw, TODAY) == expected


@pytest.mark.parametrize("raw, error", [
    ("", "cccd_format"),
    (None, "cccd_format"),
    ("07519000123", "cccd_format"),          # 11 digits
    ("0751900012345", "cccd_format"),        # 13 digits
    ("07519000123A", "cccd_format"),         # a letter
    ("O75190001234", "cccd_format"),         # letter O for zero
    ("075190001234/", "cccd_format"),
    ("０７５１９０００１２３４", "cccd_format"),  # full-width digits are not ASCII
    ("٠٧٥١٩٠٠٠١٢٣٤", "cccd_format"),          # Arabic-Indic digits
    ("075190001²34", "cccd_format"),          # superscript two is isdigit() but not a digit here
    ("003190001234", "cccd_province"),       # 003 is no province
    ("000190001234", "cccd_province"),
    ("099190001234", "cccd_province"),
    ("097190001234", "cccd_province"),
    ("075227001234", "cccd_birth_year"),     # 2027 > 2026
    ("075399001234", "cccd_birth_year"),     # 2099
    ("075490001234", "cccd_birth_year"),     # digit 4: 22nd century
    ("075900001234", "cccd_birth_year"),     # digit 9: 24th century
])
def test_cccd_invalid(raw, error):
    assert code_of(clean_cccd, raw, TODAY) == error


def test_cccd_birth_year_depends_on_today():
    assert code_of(clean_cccd, "075227001234", date(2026, 12, 31)) == "cccd_birth_year"
    assert clean_cccd("075227001234", date(2027, 1, 1)) == "075227001234"


def test_invalid_is_a_value_error_with_code():
    with pytest.raises(ValueError) as info:
        clean_cccd("1", TODAY)
    assert isinstance(info.value, Invalid) and info.value.code == "cccd_format"
    assert str(info.value) == "cccd_format"


@given(st.text())
@example("\x00" * 12)
@example("075190001234" + "\u0301")
@example("1" * 12)
def test_cccd_raises_only_invalid(raw):
    try:
        out = clean_cccd(raw, TODAY)
    except Invalid as exc:
        assert exc.code in {"cccd_format", "cccd_province", "cccd_birth_year"}
    else:
        assert len(out) == 12 and out.isascii() and out.isdigit()


past_cccd = st.builds(
    lambda prov, century_sex, yy, serial: f"{prov}{century_sex}{yy:02d}{serial:06d}",
    st.sampled_from(sorted(PROVINCES)),
    st.integers(0, 3),          # 0/1: 1900s man/woman, 2/3: 2000s man/woman
    st.integers(0, 99),
    st.integers(0, 999_999),
).filter(lambda s: (1900 if s[3] in "01" else 2000) + int(s[4:6]) <= TODAY.year)


@given(past_cccd)
def test_cccd_valid_numbers_pass_unchanged(s):
    assert clean_cccd(s, TODAY) == s


@given(past_cccd, st.lists(st.sampled_from([" ", ".", "-", "\t"]), min_size=11, max_size=11))
def test_cccd_separators_ignored(s, seps):
    spaced = "".join(d + sep for d, sep in zip(s, seps + [""]))
    assert clean_cccd(spaced, TODAY) == s


@given(st.sampled_from(sorted(PROVINCES)), st.integers(0, 9), st.integers(0, 99), st.integers(0, 999_999))
def test_cccd_birth_year_rule(prov, century_sex, yy, serial):
    s = f"{prov}{century_sex}{yy:02d}{serial:06d}"
    year = 1900 + 100 * (century_sex // 2) + yy      # 0-1: 1900s, 2-3: 2000s, 4-5: 2100s, ...
    if year <= TODAY.year:
        assert clean_cccd(s, TODAY) == s
    else:
        assert code_of(clean_cccd, s, TODAY) == "cccd_birth_year"


# ------------------------------------------------------------------------------------ tax code

WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def expected_check_digit(nine: str) -> int | None:
    """N10 = 10 - (sum of w*N mod 11); 10 means no valid code starts with these nine digits."""
    r = 10 - sum(w * int(d) for w, d in zip(WEIGHTS, nine)) % 11
    return None if r == 10 else r


@pytest.mark.parametrize("raw, expected", [
    # 0,3,0,0,5,8,8,5,6: 0+87+0+0+85+104+56+25+18 = 375; 375 mod 11 = 1; 10-1 = 9 ✓
    ("0300588569", "0300588569"),
    # 0,1,0,1,2,4,8,1,4: 0+29+0+19+34+52+56+5+12 = 207; 207 mod 11 = 9; 10-9 = 1 ✓
    ("0101248141", "0101248141"),
    # 0,1,0,0,1,0,9,1,0: 29+17+63+5 = 114; 114 mod 11 = 4; 10-4 = 6 ✓
    ("0100109106", "0100109106"),
    # 2*5 = 10; 10 mod 11 = 10; 10-10 = 0 ✓
    ("0000000200", "0000000200"),
    ("0300588569-001", "0300588569-001"),
    ("0300588569001", "0300588569-001"),     # the hyphen is optional on input
    (" 0300 588 569 ", "0300588569"),
    ("0300588569 - 001", "0300588569-001"),
])
def test_tax_code_valid(raw, expected):
    assert clean_tax_code(raw) == expected


@pytest.mark.parametrize("raw, error", [
    ("0300588568", "tax_checksum"),
    ("0300588560", "tax_checksum"),
    ("0101248142", "tax_checksum"),
    ("0300588568-001", "tax_checksum"),
    ("0000000000", "tax_checksum"),          # sum 0 → check digit would be 10: never valid
    ("030058856", "tax_format"),             # 9 digits
    ("03005885690", "tax_format"),           # 11 digits
    ("0300588569-01", "tax_format"),         # branch of 2 digits
    ("0300588569-0001", "tax_format"),
    ("0300588569--001", "tax_format"),
    ("030058856A", "tax_format"),
    ("０３００５８８５６９", "tax_format"),       # full-width digits
    ("", "tax_format"),
    (None, "tax_format"),
    ("MST 0300588569", "tax_format"),
])
def test_tax_code_invalid(raw, error):
    assert code_of(clean_tax_code, raw) == error


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
@example("000000000")
@example("030058856")
def test_tax_code_exactly_the_matching_check_digit(nine):
    check = expected_check_digit(nine)
    accepted = [d for d in range(10) if code_of(clean_tax_code, f"{nine}{d}") is None]
    assert accepted == ([] if check is None else [check])
    for d in range(10):
        if d != check:
            assert code_of(clean_tax_code, f"{nine}{d}") == "tax_checksum"


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.text(alphabet="0123456789", min_size=3, max_size=3))
def test_tax_code_branch(nine, branch):
    check = expected_check_digit(nine)
    assume(check is not None)
    assert clean_tax_code(f"{nine}{check}-{branch}") == f"{nine}{check}-{branch}"
    assert clean_tax_code(f"{nine}{check}{branch}") == f"{nine}{check}-{branch}"


@given(st.text())
def test_tax_code_raises_only_invalid(raw):
    try:
        out = clean_tax_code(raw)
    except Invalid as exc:
        assert exc.code in {"tax_format", "tax_checksum"}
    else:
        assert len(out) in (10, 14) and out[:10].isdigit()


# --------------------------------------------------------------------------------------- phone

@pytest.mark.parametrize("raw, expected", [
    ("0912 345 678", "+84912345678"),
    ("0912345678", "+84912345678"),
    ("0912.345.678", "+84912345678"),
    ("0912-345-678", "+84912345678"),
    ("+84 912345678", "+84912345678"),
    ("+84 (0) 912 345 678", "+84912345678"),
    ("84912345678", "+84912345678"),
    ("0987 654 321", "+84987654321"),
    ("0365 123 456", "+84365123456"),
    ("028 3829 5555", "+842838295555"),      # Hồ Chí Minh City landline: phonenumbers accepts it
    ("(028) 38295555", "+842838295555"),
    ("0251 3822 222", "+842513822222"),      # Đồng Nai landline
    ("+84 251 3822 222", "+842513822222"),
])
def test_phone_valid(raw, expected):
    assert clean_phone(raw) == expected


@pytest.mark.parametrize("raw, error", [
    ("+1 202 555 0100", "phone_invalid"),    # USA
    ("+1 650 253 0000", "phone_invalid"),
    ("+44 20 7946 0958", "phone_invalid"),   # UK, a valid number but not Vietnamese
    ("+33 1 42 68 53 00", "phone_invalid"),  # France
    ("+856 20 5555 1234", "phone_invalid"),  # Laos
    ("0912 34567", "phone_invalid"),         # too short
    ("0912345678901", "phone_invalid"),      # too long
    ("0112 345 678", "phone_invalid"),       # no such range
    ("113", "phone_invalid"),                # emergency short code
    ("12", "phone_invalid"),
    ("abc", "phone_format"),
    ("số điện thoại", "phone_format"),
    ("", "phone_format"),
    ("   ", "phone_format"),
    (None, "phone_format"),
    ("+", "phone_format"),
])
def test_phone_invalid(raw, error):
    assert code_of(clean_phone, raw) == error


MOBILE_PREFIXES = ["32", "33", "34", "35", "36", "37", "38", "39", "56", "58", "70", "76", "77", "78",
                   "79", "81", "82", "83", "84", "85", "86", "88", "90", "91", "92", "93", "94", "96",
                   "97", "98"]


@settings(deadline=None)
@given(st.sampled_from(MOBILE_PREFIXES), st.text(alphabet="0123456789", min_size=7, max_size=7),
       st.sampled_from(["0{p}{r}", "+84{p}{r}", "84{p}{r}", "+84 {p} {r}", "0{p} {a} {b}",
                        "0{p}.{a}.{b}", "0{p}-{a}-{b}", "(+84) {p}{r}"]))
def test_phone_mobile_numbers_normalised(prefix, rest, fmt):
    raw = fmt.format(p=prefix, r=rest, a=rest[:3], b=rest[3:])
    assert clean_phone(raw) == f"+84{prefix}{rest}"


@settings(deadline=None)
@given(st.one_of(st.text(), st.text(alphabet="0123456789 +-.()", max_size=20)))
@example("0912 345 678")
def test_phone_output_is_e164_vietnamese_and_stable(raw):
    try:
        out = clean_phone(raw)
    except Invalid as exc:
        assert exc.code in {"phone_format", "phone_invalid"}
        return
    assert out.startswith("+84") and out[1:].isdigit()
    assert clean_phone(out) == out


@pytest.mark.parametrize("a, b, same", [
    ("0912 345 678", "+84912345678", True),
    ("0912.345.678", "84 912 345 678", True),
    ("0912 345 678", "0912 345 679", False),
    ("0912 345 678", None, False),
    (None, None, False),
    ("", "", False),
    ("abc", "abc", False),                   # two invalid numbers are not "the same phone"
])
def test_same_phone(a, b, same):
    assert same_phone(a, b) is same


# ---------------------------------------------------------------------------------------- text

def test_clean_text_composes_decomposed_vietnamese():
    decomposed = unicodedata.normalize("NFD", "Khiếu nại đất đai")
    assert decomposed != "Khiếu nại đất đai" and len(decomposed) > len("Khiếu nại đất đai")
    out = clean_text(decomposed)
    assert out == "Khiếu nại đất đai"
    assert out.encode() == "Khiếu nại đất đai".encode("utf-8")


@pytest.mark.parametrize("raw, expected", [
    ("  Xin chào  ", "Xin chào"),
    ("a\x00b", "ab"),
    ("a\x07b\x08c", "abc"),
    ("a\x1bb\x7fc", "abc"),
    ("a\x0bb\x0cc", "abc"),                  # vertical tab, form feed
    ("dòng 1\ndòng 2\r\n\tthụt lề", "dòng 1\ndòng 2\r\n\tthụt lề"),  # line breaks and tabs stay
    ("a\x85b\x9bc", "abc"),                  # C1 controls (NEL, CSI)
    ("e\x00\u0301", "é"),                    # removing a control must not leave a decomposed letter
    (None, ""),
    ("", ""),
    ("\x00 \x01", ""),
])
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


@given(st.text())
@example("e\x00\u0301")
@example("\x85\u0301")
def test_clean_text_properties(raw):
    out = clean_text(raw)
    assert unicodedata.is_normalized("NFC", out)
    assert out == out.strip()
    assert not any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in out)
    assert clean_text(out) == out


@pytest.mark.parametrize("raw, expected", [
    ("Khiếu nại đất đai", "khieu nai dat dai"),
    ("ĐƯỜNG QUỐC LỘ", "duong quoc lo"),
    ("Phường Trấn Biên", "phuong tran bien"),
    ("Tố cáo cán bộ", "to cao can bo"),
    ("ơ ư ă â ê ô", "o u a a e o"),
    ("Thừa Thiên Huế", "thua thien hue"),
    ("already plain", "already plain"),
    ("", ""),
])
def test_fold_diacritics(raw, expected):
    assert fold_diacritics(raw) == expected


def test_fold_diacritics_decomposed_input():
    assert fold_diacritics(unicodedata.normalize("NFD", "Khiếu nại đất đai")) == "khieu nai dat dai"


# ----------------------------------------------------------------------------- what kinds need

POLICIES = {
    "gop_y": KindPolicy("gop_y", "allowed", ()),
    "phan_anh": KindPolicy("phan_anh", "allowed", ("full_name", "address")),
    "kien_nghi": KindPolicy("kien_nghi", "allowed", ("full_name", "address")),
    "khieu_nai": KindPolicy("khieu_nai", "refused",
                            ("full_name", "address", "cccd", "complained_decision", "request_text")),
    "to_cao": KindPolicy("to_cao", "info_only", ("full_name", "address", "contact")),
}


def _seeded_kinds():
    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0002_reference_data.py"
    spec = importlib.util.spec_from_file_location("_seed_0002", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.KINDS


def test_policy_table_mirrors_the_seed():
    seeded = {k["code"]: KindPolicy(k["code"], k["anonymous"], tuple(json.loads(json.dumps(k["required"]))))
              for k in _seeded_kinds()}
    assert seeded == POLICIES


TEXT = {"subject": "Tiêu đề", "content": "Nội dung"}
PERSON = {"full_name": "Nguyễn Văn An", "address": "Xã Long Thành", "consent": True}
COMPLAINT = {**PERSON, "cccd": "075190001234", "complained_decision": "QĐ 123/QĐ-UBND",
             "request_text": "Huỷ quyết định"}
ANON = {"anonymous": True}


@pytest.mark.parametrize("kind, data, expected", [
    # gop_y: nothing required, anonymous allowed
    ("gop_y", {**TEXT}, {}),
    ("gop_y", {}, {"subject": "required", "content": "required"}),
    ("gop_y", {**TEXT, **ANON}, {}),
    ("gop_y", {**TEXT, "email": "a@b.vn"}, {"consent": "consent_required"}),
    ("gop_y", {**TEXT, "email": "a@b.vn", "consent": True}, {}),
    ("gop_y", {**TEXT, **ANON, "full_name": "Ai đó"}, {}),          # anonymous: no consent asked
    ("gop_y", {"subject": "x"}, {"content": "required"}),
    ("gop_y", {"content": "x"}, {"subject": "required"}),
    # phan_anh / kien_nghi: full name and address, anonymous allowed
    ("phan_anh", {**TEXT}, {"full_name": "required", "address": "required"}),
    ("phan_anh", {**TEXT, **PERSON}, {}),
    ("phan_anh", {**TEXT, "full_name": "An", "consent": True}, {"address": "required"}),
    ("phan_anh", {**TEXT, **ANON}, {}),
    ("phan_anh", {**TEXT, "full_name": "An", "address": "X"}, {"consent": "consent_required"}),
    ("kien_nghi", {**TEXT}, {"full_name": "required", "address": "required"}),
    ("kien_nghi", {**TEXT, **PERSON}, {}),
    ("kien_nghi", {**TEXT, **ANON}, {}),
    ("kien_nghi", {**ANON}, {"subject": "required", "content": "required"}),
    # khieu_nai: never anonymous; name, address, CCCD, decision, request
    ("khieu_nai", {**TEXT, **COMPLAINT}, {}),
    ("khieu_nai", {**TEXT, **COMPLAINT, **ANON}, {"anonymous": "anonymous_refused"}),
    ("khieu_nai", {**TEXT, **ANON}, {"anonymous": "anonymous_refused"}),
    ("khieu_nai", {**TEXT}, {"full_name": "required", "address": "required", "cccd": "required",
                             "complained_decision": "required", "request_text": "required"}),
    ("khieu_nai", {**TEXT, **PERSON}, {"cccd": "required", "complained_decision": "required",
                                       "request_text": "required"}),
    ("khieu_nai", {**TEXT, **COMPLAINT, "cccd": ""}, {"cccd": "required"}),
    ("khieu_nai", {**TEXT, **COMPLAINT, "consent": False}, {"consent": "consent_required"}),
    ("khieu_nai", {}, {"full_name": "required", "address": "required", "cccd": "required",
                       "complained_decision": "required", "request_text": "required",
                       "subject": "required", "content": "required"}),
    # to_cao: anonymous only as information (needs the acknowledgement); named needs a contact
    ("to_cao", {**TEXT, **ANON}, {"info_only_ack": "info_only_ack_required"}),
    ("to_cao", {**TEXT, **ANON, "info_only_ack": True}, {}),
    ("to_cao", {**TEXT, **PERSON}, {"phone": "contact_required"}),
    ("to_cao", {**TEXT, **PERSON, "phone": "+84912345678"}, {}),
    ("to_cao", {**TEXT, **PERSON, "email": "a@b.vn"}, {}),
    ("to_cao", {**TEXT}, {"full_name": "required", "address": "required", "phone": "contact_required"}),
    ("to_cao", {**TEXT, "info_only_ack": True}, {"full_name": "required", "address": "required",
                                                 "phone": "contact_required"}),
])
def test_submission_errors_by_kind(kind, data, expected):
    assert submission_errors(POLICIES[kind], data) == expected


BUSINESS = {"submitter_type": "business"}


@pytest.mark.parametrize("kind, data, expected", [
    ("gop_y", {**TEXT, **BUSINESS}, {"company_name": "required", "tax_code": "required"}),
    ("gop_y", {**TEXT, **BUSINESS, "company_name": "Công ty A", "consent": True}, {"tax_code": "required"}),
    ("gop_y", {**TEXT, **BUSINESS, "company_name": "Công ty A", "tax_code": "0300588569", "consent": True}, {}),
    ("gop_y", {**TEXT, **BUSINESS, "company_name": "Công ty A", "tax_code": "0300588569"},
     {"consent": "consent_required"}),
    ("gop_y", {**TEXT, **BUSINESS, **ANON}, {}),                   # anonymous: no business details
    ("phan_anh", {**TEXT, **BUSINESS, **PERSON},
     {"company_name": "required", "tax_code": "required"}),
    ("khieu_nai", {**TEXT, **BUSINESS, **COMPLAINT, "company_name": "Công ty A", "tax_code": "0300588569"}, {}),
    ("to_cao", {**TEXT, **BUSINESS, "consent": True},
     {"full_name": "required", "address": "required", "phone": "contact_required",
      "company_name": "required", "tax_code": "required"}),
    ("gop_y", {**TEXT, "submitter_type": "citizen"}, {}),
])
def test_submission_errors_business(kind, data, expected):
    assert submission_errors(POLICIES[kind], data) == expected


GROUP = {"is_group": True}


@pytest.mark.parametrize("kind, data, expected", [
    ("phan_anh", {**TEXT, **PERSON, **GROUP, "group_size": 5, "representative": "Nguyễn Văn An"}, {}),
    ("phan_anh", {**TEXT, **PERSON, **GROUP, "representative": "An"}, {"group_size": "group_size"}),
    ("phan_anh", {**TEXT, **PERSON, **GROUP, "group_size": 1, "representative": "An"}, {"group_size": "group_size"}),
    ("phan_anh", {**TEXT, **PERSON, **GROUP, "group_size": 0, "representative": "An"}, {"group_size": "group_size"}),
    ("phan_anh", {**TEXT, **PERSON, **GROUP, "group_size": 2, "representative": "An"}, {}),
    ("phan_anh", {**TEXT, **PERSON, **GROUP, "group_size": 3}, {"representative": "required"}),
    ("phan_anh", {**TEXT, **PERSON, **GROUP}, {"group_size": "group_size", "representative": "required"}),
    ("phan_anh", {**TEXT, **ANON, **GROUP, "group_size": 3}, {}),          # anonymous group: no representative
    ("phan_anh", {**TEXT, **ANON, **GROUP}, {"group_size": "group_size"}),
    ("gop_y", {**TEXT, **GROUP, "group_size": 4, "representative": "An"}, {"consent": "consent_required"}),
    ("khieu_nai", {**TEXT, **COMPLAINT, **GROUP, "group_size": 12, "representative": "Trần Thị Bình"}, {}),
    ("to_cao", {**TEXT, **ANON, "info_only_ack": True, **GROUP, "group_size": 1},
     {"group_size": "group_size"}),
    ("phan_anh", {**TEXT, **PERSON, "is_group": False, "group_size": 1}, {}),  # not a group: size ignored
])
def test_submission_errors_groups(kind, data, expected):
    assert submission_errors(POLICIES[kind], data) == expected


@pytest.mark.parametrize("field", ["full_name", "address", "cccd", "phone", "email", "company_name",
                                   "tax_code", "representative"])
def test_any_identity_field_needs_consent(field):
    assert submission_errors(POLICIES["gop_y"], {**TEXT, field: "x"}) == {"consent": "consent_required"}
    assert submission_errors(POLICIES["gop_y"], {**TEXT, field: "x", "consent": True}) == {}


@pytest.mark.parametrize("kind", sorted(POLICIES))
def test_complete_named_submission_passes_for_every_kind(kind):
    data = {**TEXT, **COMPLAINT, "phone": "+84912345678"}
    assert submission_errors(POLICIES[kind], data) == {}


# ---------------------------------------------------------------- a point from the public form

@pytest.mark.parametrize("lat, lon, expected", [
    ("", "", (None, None)), (None, None, (None, None)), ("  ", "", (None, None)),
    ("10.9574123", "106.8427", (10.957412, 106.8427)), ("-90", "180", (-90.0, 180.0)),
    ("90", "-180", (90.0, -180.0)), (" 0 ", "0", (0.0, 0.0)),
])
def test_clean_coordinates_accepts(lat, lon, expected):
    assert clean_coordinates(lat, lon) == expected


@pytest.mark.parametrize("lat, lon", [
    ("10", ""), ("", "106"), ("90.0001", "0"), ("0", "180.5"), ("nan", "0"), ("0", "-inf"),
    ("1e400", "0"), ("mười", "106"), ("1" * 41, "0"), ("10,5", "106"),
])
def test_clean_coordinates_refuses(lat, lon):
    with pytest.raises(Invalid) as err:
        clean_coordinates(lat, lon)
    assert err.value.code == "location"


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True))
@settings(max_examples=200, derandomize=True)
def test_clean_coordinates_never_returns_a_point_off_the_globe(lat, lon):
    try:
        got = clean_coordinates(repr(lat), repr(lon))
    except Invalid:
        assert not (-90 <= lat <= 90 and -180 <= lon <= 180)
        return
    assert -90 <= got[0] <= 90 and -180 <= got[1] <= 180


def _fold_reference(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
       | st.text(alphabet="ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵĐĂÂÊÔƠƯ aA\u0301\u0300\u0323",
                 max_size=60))
def test_fold_diacritics_matches_decomposing_the_whole_string(text):
    assert fold_diacritics(text) == _fold_reference(text)
