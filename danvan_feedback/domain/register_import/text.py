"""Cells as text: folding (no diacritics, lower case), blanks, clean text; the file-level problem."""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from typing import Any

EXCEL_EPOCH = date(1899, 12, 30)
EARLIEST = date(1975, 1, 1)   # nothing in a register predates this: a smaller "date" is a wrong cell
HEADER_SCAN_ROWS = 30


class ImportProblem(ValueError):
    """A problem with the whole file (not one row): ``code`` and ``params`` for the message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


# -- text ------------------------------------------------------------------------------------------

_NOT_WORD = re.compile(r"[^a-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def fold(text: Any) -> str:
    """"Ngày nhận đơn" → "ngay nhan don": no diacritics, lower case, words separated by one space."""
    s = str(text)
    if not s.isascii():   # plain ASCII has nothing to take off (most cells of a big register)
        s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
        s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", s.lower()).split())


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    t = type(value)
    if t is str:
        return not value or value.isspace()
    if t is float:
        return math.isnan(value)
    return False


def text_of(value: Any) -> str:
    """A cell as clean text (NFC, no control characters); numbers without a trailing ``.0``."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime, date)):
        return value.strftime("%d/%m/%Y")
    s = str(value)
    if s.isascii() and s.isprintable():   # no control character, already NFC
        return s.strip()
    return unicodedata.normalize("NFC", _CONTROL.sub("", s)).strip()
