"""Page weight: a page's HTML and every asset it references, fetched from the running server."""
from __future__ import annotations

import gzip
import http.client
import re
import time
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from . import HOST, table

PAGES = ["/gui/khieu_nai", "/", "/tra-cuu", "/khao-sat"]  # /khao-sat: the survey (issue 4)
TARGET_GZIP = 30 * 1024
LINK_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "modulepreload", "manifest"}
MAX_ASSETS = 100  # per page


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str]] = []  # (kind, url)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("href"):
            rels = set((a.get("rel") or "").lower().split())
            if rels & LINK_RELS:
                self.refs.append(("css" if "stylesheet" in rels else "icon" if rels & {"icon", "apple-touch-icon"}
                                  else "link", a["href"]))
        elif tag == "script" and a.get("src"):
            self.refs.append(("js", a["src"]))
        elif tag == "img" and a.get("src"):
            self.refs.append(("img", a["src"]))


def _css_refs(css: str) -> list[str]:
    out = []
    for m in re.finditer(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css):
        out.append(m.group(1).strip())
    for m in re.finditer(r"@import\s+['\"]([^'\"]+)['\"]", css):
        out.append(m.group(1))
    return out


def _get(port: int, path: str, accept_gzip: bool = False) -> tuple[int, dict, bytes]:
    c = http.client.HTTPConnection(HOST, port, timeout=15)
    try:
        headers = {"User-Agent": "danvan-bench"}
        if accept_gzip:
            headers["Accept-Encoding"] = "gzip"
        c.request("GET", path, headers=headers)
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def measure_page(port: int, page: str, deadline: float) -> dict:
    base = f"http://{HOST}:{port}"
    rows, external = [], []
    status, headers, body = _get(port, page)
    rows.append(dict(url=page, kind="html", status=status, raw=len(body),
                     gz=len(gzip.compress(body, 6)), cache=headers.get("cache-control", "")))
    p = _Refs()
    p.feed(body.decode("utf-8", "replace"))
    queue = [(k, urljoin(base + page, u)) for k, u in p.refs]
    seen = {base + page}
    while queue and len(seen) <= MAX_ASSETS and time.monotonic() < deadline:
        kind, url = queue.pop(0)
        if url in seen or url.startswith("data:"):
            continue
        seen.add(url)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc != f"{HOST}:{port}":
            external.append(url)
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        st, hd, data = _get(port, path)
        rows.append(dict(url=path, kind=kind, status=st, raw=len(data), gz=len(gzip.compress(data, 6)),
                         cache=hd.get("cache-control", "")))
        if kind == "css" and st == 200:
            queue += [("css-url", urljoin(url, u)) for u in _css_refs(data.decode("utf-8", "replace"))]
    # Does the server compress by itself when asked?
    _, gh, _ = _get(port, page, accept_gzip=True)
    return dict(page=page, rows=rows, external=external,
                server_encoding=gh.get("content-encoding", "none"))


def run(port: int, engine: str, seconds: float = 120.0) -> list[dict]:
    deadline = time.monotonic() + seconds
    results = [measure_page(port, page, deadline) for page in PAGES if time.monotonic() < deadline]
    print(f"\n== Page weight (gunicorn + {engine}; gzip -6 of each body computed here) ==")
    summary = []
    for res in results:
        rows = [[r["url"], r["kind"], r["status"], f"{r['raw']:,}", f"{r['gz']:,}", r["cache"] or "-"]
                for r in res["rows"]]
        raw = sum(r["raw"] for r in res["rows"])
        gz = sum(r["gz"] for r in res["rows"])
        rows.append([f"total ({len(res['rows'])} requests)", "", "", f"{raw:,}", f"{gz:,}", ""])
        print(f"\n{res['page']}   (server Content-Encoding when asked for gzip: {res['server_encoding']})")
        print(table(["resource", "type", "status", "raw B", "gzip B", "Cache-Control"], rows, right={2, 3, 4}))
        if res["external"]:
            print("  external references, not fetched: " + ", ".join(res["external"]))
        bad = [r for r in res["rows"] if r["status"] != 200]
        if bad:
            print("  NOTE: non-200 responses: " + ", ".join(f"{r['url']} -> {r['status']}" for r in bad))
        summary.append([res["page"], len(res["rows"]), f"{raw:,}", f"{raw / 1024:.1f}",
                        f"{gz:,}", f"{gz / 1024:.1f}", "≤ 30.0",
                        "OK" if gz <= TARGET_GZIP else "OVER"])
    print("\nPage weight summary")
    print(table(["page", "requests", "raw B", "raw KiB", "gzip B", "gzip KiB", "target KiB", ""],
                summary, right={1, 2, 3, 4, 5, 6}))
    return results
