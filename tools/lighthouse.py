"""Lighthouse (mobile) scores of the public pages: performance, accessibility, best practices, SEO.

    npm i -E --prefix /tmp/lh lighthouse@12.2.3      # once; Lighthouse 13 needs Node 22
    .venv/bin/python tools/lighthouse.py [--lighthouse /tmp/lh/node_modules/.bin/lighthouse] [PATH ...]

Migrates a throwaway SQLite database (as tools/screenshots.py does), serves the app on
127.0.0.1:<random port> and runs Lighthouse with Debian's Chromium (``/usr/bin/chromium``) on each
path (default: home, a complaint form, the lookup page, the survey). Prints one line per page and
exits 1 when a score is under 100. Lighthouse is a Node tool, not a dependency of the app.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ["/", "/gui/khieu_nai", "/tra-cuu", "/khao-sat"]
CATEGORIES = "performance,accessibility,best-practices,seo"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lighthouse", default="/tmp/lh/node_modules/.bin/lighthouse")
    ap.add_argument("paths", nargs="*", default=PAGES)
    args = ap.parse_args(argv)
    if not os.access(args.lighthouse, os.X_OK):
        print(f"{args.lighthouse} not found: npm i -E --prefix /tmp/lh lighthouse@12.2.3", file=sys.stderr)
        return 2
    from werkzeug.serving import make_server

    from tools.screenshots import build_app
    worst = 100
    with tempfile.TemporaryDirectory(prefix="danvan-lh-") as tmpdir:
        server = make_server("127.0.0.1", 0, build_app(Path(tmpdir)), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            for path in args.paths:
                out = Path(tmpdir) / "report.json"
                subprocess.run([args.lighthouse, f"http://127.0.0.1:{server.server_port}{path}", "--quiet",
                                "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
                                f"--only-categories={CATEGORIES}", "--output=json", f"--output-path={out}"],
                               check=True, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"})
                report = json.loads(out.read_text(encoding="utf-8"))
                scores = {c["id"]: round(c["score"] * 100) for c in report["categories"].values()}
                worst = min(worst, *scores.values())
                print(f"{path:20} {report['configSettings']['formFactor']:7} "
                      + " ".join(f"{k}={v}" for k, v in scores.items()), flush=True)
        finally:
            server.shutdown()
            server.server_close()
    return 0 if worst == 100 else 1


if __name__ == "__main__":
    sys.exit(main())
