"""``python -m bench.images``: what one anonymous submission of large photos costs the server.

Builds ``--files`` PNGs of ``--size``×``--size`` RGBA (small on the wire: a gradient compresses
well, as the images of issue 10 did) and posts them in ONE submission to ``/gui/gop_y`` through the
app (test client, fresh SQLite database in a temporary directory), in a fresh process, and prints
the process CPU time of that request and its peak memory above the process's size before it
(VmHWM - VmRSS from /proc/self/status). Target: <= 1.5 s CPU and <= 150 MB for 5 × 7000×7000.

``--kind jpeg`` sends 50 MP-class JPEG photos instead (what phones send).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_CPU_S, TARGET_MB = 1.5, 150


def _status_kb(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))


def make_image(kind: str, size: int, seed: int) -> bytes:
    from PIL import Image
    if kind == "png":
        img = Image.linear_gradient("L").resize((size, size)).convert("RGBA")
        img.putpixel((seed, seed), (seed % 256, 0, 0, 255))
        out = io.BytesIO()
        img.save(out, "PNG", compress_level=9)
    else:
        img = Image.effect_noise((size // 8, size // 8), 40 + seed).resize((size, size)).convert("RGB")
        out = io.BytesIO()
        img.save(out, "JPEG", quality=80)
    return out.getvalue()


def _child(args) -> None:
    """Runs in a fresh process: the images are built first, then measured alone."""
    root = Path(args.workdir)
    files = [(root / f"img{i}.{args.kind}").read_bytes() for i in range(args.files)]
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from danvan_feedback import create_app
    from flask_migrate import upgrade
    db_url = f"sqlite:///{root / 'bench.sqlite3'}"
    cfg = {"APP_ENV": "testing", "SKIP_DOTENV": True, "SECRET_KEY": "bench-" + "k" * 40,
           "INSTANCE_PATH": str(root / "instance"), "SQLALCHEMY_DATABASE_URI": db_url,
           "UPLOAD_DIR": str(root / "uploads"), "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
           "PUBLIC_BASE_URL": "http://127.0.0.1:5000"}
    app = create_app(cfg)
    with app.app_context():
        upgrade()
    client = app.test_client()
    client.get("/gui/gop_y")  # warm the templates
    data = {"submitter_type": "citizen", "anonymous": "y", "subject": "Ảnh lớn", "content": "Năm ảnh lớn.",
            "token": "benchimages0001",
            "attachments": [(io.BytesIO(raw), f"anh{i}.{args.kind}") for i, raw in enumerate(files)]}
    before_rss = _status_kb("VmRSS")
    cpu0, wall0 = time.process_time(), time.perf_counter()
    resp = client.post("/gui/gop_y", data=data, content_type="multipart/form-data")
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    peak = _status_kb("VmHWM") - before_rss
    stored = sorted(p.stat().st_size for p in (root / "uploads").rglob("*") if p.is_file()) \
        if (root / "uploads").exists() else []
    print(json.dumps({"status": resp.status_code, "cpu_s": round(cpu, 3), "wall_s": round(wall, 3),
                      "peak_mb": round(peak / 1024, 1), "stored_bytes": stored,
                      "wire_bytes": sum(len(f) for f in files)}))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.images", description=__doc__.split("\n\n")[0])
    p.add_argument("--files", type=int, default=5)
    p.add_argument("--size", type=int, default=7000, help="width and height in pixels (default 7000)")
    p.add_argument("--kind", choices=("png", "jpeg"), default="png")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--workdir", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        _child(args)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-images-") as tmp:
        for i in range(args.files):
            Path(tmp, f"img{i}.{args.kind}").write_bytes(make_image(args.kind, args.size, i))
        out = subprocess.run([sys.executable, "-m", "bench.images", "--child", "--workdir", tmp,
                              "--files", str(args.files), "--kind", args.kind],
                             capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent,
                             env={**os.environ, "PYTHONWARNINGS": "ignore"})
        if out.returncode != 0:
            print(out.stderr[-3000:], file=sys.stderr)
            return 1
        r = json.loads(out.stdout.strip().splitlines()[-1])
    ok_cpu, ok_mem = r["cpu_s"] <= TARGET_CPU_S, r["peak_mb"] <= TARGET_MB
    print(f"{args.files} × {args.size}×{args.size} {args.kind.upper()} in one submission "
          f"({r['wire_bytes'] / 1024:.0f} KiB on the wire): HTTP {r['status']}, "
          f"CPU {r['cpu_s']:.2f} s (target <= {TARGET_CPU_S} s: {'ok' if ok_cpu else 'OVER'}), "
          f"peak memory +{r['peak_mb']:.0f} MB (target <= {TARGET_MB} MB: {'ok' if ok_mem else 'OVER'}), "
          f"wall {r['wall_s']:.2f} s; stored files: {r['stored_bytes']}")
    return 0 if ok_cpu and ok_mem else 2


if __name__ == "__main__":
    raise SystemExit(main())
