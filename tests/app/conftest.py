"""App-test fixtures of this folder.

The compiled catalogue (``*.mo``) is git-ignored and built by ``make translations``; a plain
``pytest`` run after a fresh checkout, or after someone edited the ``.po``, would otherwise render
the English pages in Vietnamese. So compile every catalogue whose ``.mo`` is missing or older than
its ``.po`` once per session, before any app test.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "danvan_feedback" / "translations"


def compile_translations(root: Path = TRANSLATIONS) -> list[Path]:
    """Compile each ``<lang>/LC_MESSAGES/messages.po`` whose ``.mo`` is missing or stale; return the
    ``.mo`` files written. Fuzzy entries are left out, as ``pybabel compile`` does by default."""
    written = []
    for po in sorted(root.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        tmp = mo.with_name(f".{mo.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        tmp.replace(mo)  # atomic: a parallel worker never reads a half-written file
        written.append(mo)
    return written


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    compile_translations()
