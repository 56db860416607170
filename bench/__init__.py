"""Benchmarks: ``make bench`` (or ``.venv/bin/python -m bench --help``).

* page weight of the public pages (requests, raw and gzip bytes, from a running gunicorn);
* what citizens send (named complaint, denunciation with identity, named report with a 1 MB photo,
  anonymous suggestion, Open311 request) and its server CPU per submission under gunicorn with 2 sync
  workers, beside a minimal Flask app (``bench/minimal_app.py``) in the same interleaved run, on
  SQLite and on PostgreSQL (``bench/submit.py``).

Everything runs against 127.0.0.1 only, on a fresh database in a temporary directory, with every
loop bounded in count and in time; the servers, databases and directories it makes are removed at
the end. ``python -m bench.profile_submit`` profiles 500 submissions of one kind in one process (cProfile);
``python -m bench.profile_workers`` samples gunicorn's workers answering them over HTTP.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

HOST = "127.0.0.1"


def table(headers: list[str], rows: list[list], right: set[int] | None = None) -> str:
    """A plain-text table; columns whose index is in ``right`` are right-aligned."""
    right = right or set()
    cells = [[str(c) for c in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def fmt(r):
        return "  ".join(c.rjust(widths[i]) if i in right else c.ljust(widths[i])
                         for i, c in enumerate(r)).rstrip()
    sep = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(cells[0]), sep] + [fmt(r) for r in cells[1:]])


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            a = dict(attrs)
            if a.get("name"):
                self.values.setdefault(a["name"], a.get("value") or "")


def form_inputs(html: str) -> dict[str, str]:
    """The ``name -> value`` of every ``<input>`` in a page (first one wins)."""
    p = _Inputs()
    p.feed(html)
    return p.values


def text_snippet(body: bytes, n: int = 300) -> str:
    """A readable snippet of an HTML (or text) body: title and text, tags stripped."""
    s = body.decode("utf-8", "replace")
    s = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", s)
    s = re.sub(r"(?s)<[^>]+>", " ", s)
    s = re.sub(r"\s+", " ", s).strip()
    return s[:n] + ("…" if len(s) > n else "")
