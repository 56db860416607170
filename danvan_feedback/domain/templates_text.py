"""Reply and reason templates: the placeholders an administrator may use, checking a body, filling it in.

Syntax (the subset of ``str.format`` a clerk can learn): ``{ten}`` is replaced by the citizen's name,
``{{`` and ``}}`` write a literal brace. Anything else with a brace is refused by
:func:`template_problems`, so a saved template always renders.

:func:`render_template_text` never raises, whatever the body: unknown or malformed parts are left as
typed, and a placeholder without a value stays visible (``{ngay_han}``) so the person editing the
draft sees what is missing instead of a silent blank. Values are inserted once, never re-read as
template text.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# name -> what it stands for (Vietnamese, shown to the administrator next to the editor)
PLACEHOLDERS: dict[str, str] = {
    "ten": "Họ và tên người gửi",
    "ma": "Mã tra cứu hồ sơ",
    "ngay_nhan": "Ngày tiếp nhận đơn",
    "ngay_han": "Hạn giải quyết",
    "co_quan": "Tên cơ quan",
    "don_vi": "Đơn vị xử lý",
}

# Kinds of problem; the caller turns them into words (this module has no translations).
UNKNOWN = "unknown_placeholder"   # {abc}: a well-formed name that is not in PLACEHOLDERS
MALFORMED = "malformed_placeholder"  # {}, {ten:>5}, { ten }, {tên}
STRAY_OPEN = "stray_open_brace"    # a { that is never closed
STRAY_CLOSE = "stray_close_brace"  # a } that closes nothing

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")


@dataclass(frozen=True)
class TemplateProblem:
    kind: str
    text: str       # the offending part as typed, e.g. "{ho_ten}" or "{"
    position: int   # 0-based offset in the body


def template_problems(body: str) -> list[TemplateProblem]:
    """Every problem in ``body``, in order; an empty list means the body is accepted."""
    problems = []
    for m in _TOKEN.finditer(body):
        tok = m.group(0)
        if tok in ("{{", "}}"):
            continue
        if tok == "{":
            problems.append(TemplateProblem(STRAY_OPEN, tok, m.start()))
        elif tok == "}":
            problems.append(TemplateProblem(STRAY_CLOSE, tok, m.start()))
        else:
            name = m.group(1)
            if not _NAME.match(name):
                problems.append(TemplateProblem(MALFORMED, tok, m.start()))
            elif name not in PLACEHOLDERS:
                problems.append(TemplateProblem(UNKNOWN, tok, m.start()))
    return problems


def placeholders_used(body: str) -> list[str]:
    """The known placeholders that ``body`` uses, in order of first use, each once."""
    seen: list[str] = []
    for m in _TOKEN.finditer(body):
        name = m.group(1)
        if name in PLACEHOLDERS and name not in seen:
            seen.append(name)
    return seen


def render_template_text(body: str, values: Mapping[str, object], known: Mapping[str, str] | None = None) -> str:
    """``body`` with each known placeholder replaced by ``str(values[name])``.

    ``{{``/``}}`` become single braces. A known placeholder missing from ``values`` (or whose value is
    None) stays as typed; unknown or malformed parts are left verbatim. Never raises. ``known`` names
    another set of placeholders (the issued documents have their own).
    """
    names = PLACEHOLDERS if known is None else known

    def one(m: re.Match) -> str:
        tok = m.group(0)
        if tok == "{{":
            return "{"
        if tok == "}}":
            return "}"
        name = m.group(1)
        if name in names and values.get(name) is not None:
            return str(values[name])
        return tok

    return _TOKEN.sub(one, body)
