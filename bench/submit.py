"""What citizens actually send, and what it costs the server, beside a minimal Flask app.

Per engine, two gunicorn servers run side by side (2 sync workers each): ours (``wsgi:app``) and the
minimal app of ``bench/minimal_app.py``. The load generator sends, in turn and repeatedly (one
interleaved run), one *segment* of each kind of submission:

* ``minimal``          the minimal app: a named letter, text only (the yardstick);
* ``khieu_nai``        a named khiếu nại: name, address, CCCD, phone, e-mail, decision, request, consent;
* ``khieu_nai_plain``  the same, sent to a third server whose identity cryptography (AES-GCM and the
                       blind indexes' HMAC) is replaced by identity functions (bench/plain_identity.py):
                       the difference is what encryption at rest costs (issue 9);
* ``to_cao``           a tố cáo with identity (name, address, CCCD, phone);
* ``minimal_photo``    the minimal app with one ~1 MB JPEG (written and fsynced, not decoded);
* ``phan_anh_photo``   a named phản ánh with the same ~1 MB JPEG (decoded, re-encoded, fsynced);
* ``gop_y_anon``       an anonymous góp ý (the old benchmark's only case);
* ``open311``          an Open311 ``POST requests.json`` (a named complaint with an e-mail, API key).

For each segment the CPU time (user + system, from ``/proc/<pid>/stat``) of the server's gunicorn
master and workers, and on PostgreSQL of the backends connected to its database, is divided by the
submissions accepted. CPU time, not wall time: the machine is shared, so other work slows a
segment down but does not charge it. Each figure is quoted as the median and the range over the
repetitions; the ratio to the minimal app pairs each segment with the minimal segment of the same
repetition.
"""
from __future__ import annotations

import http.client
import io
import os
import statistics
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlencode

from . import HOST, form_inputs, table, text_snippet
from .server import CLK_TCK, Server, _stat, cpu_seconds, machine_busy_seconds

REQUEST_TIMEOUT = 30.0  # seconds, per request
# Targets of issue 17: ours / minimal, per submission, same interleaved run.
TARGET_TEXT, TARGET_PHOTO = 1.5, 2.0

NAMED = {
    "full_name": "Nguyễn Văn Bình", "address": "Số 12 đường Võ Thị Sáu, Phường Trấn Biên",
    "cccd": "079188012345", "phone": "0912345678", "email": "binh.nguyen@example.com",
}
COMPLAINT = {
    "subject": "Khiếu nại quyết định xử phạt sai diện tích",
    "content": "Quyết định xử phạt ghi sai diện tích đất vườn của gia đình tôi ở tổ 7, khu phố 3. "
               "Diện tích thực tế là 120 m², quyết định ghi 210 m², nên số tiền phạt cao gần gấp đôi.",
    "complained_decision": "Quyết định 456/QĐ-XPHC ngày 03/02 của Chánh Thanh tra Sở",
    "request_text": "Huỷ quyết định 456/QĐ-XPHC và xác minh lại diện tích thực tế.",
}


@lru_cache(maxsize=1)
def photo_jpeg() -> bytes:
    """A deterministic ~1 MB JPEG, 1600×1200 (1.9 megapixels): gradients and sensor-like noise,
    so it compresses like a phone photo rather than a flat test card."""
    import numpy as np
    from PIL import Image
    h, w = 1200, 1600
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255 // w, y * 255 // h, (x + y) * 255 // (w + h)], -1).astype(np.int16)
    noise = np.random.default_rng(17).normal(0, 25, (h, w, 3))
    out = io.BytesIO()
    Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8), "RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def web_fields(kind: str, n: int) -> tuple[str, dict, bytes | None]:
    """(path, form fields, photo or None) of submission number ``n`` of one kind, without tokens."""
    tag = f" (số {n})"
    if kind in ("minimal", "minimal_photo"):
        return "/gui", {**NAMED, **COMPLAINT, "subject": COMPLAINT["subject"] + tag, "consent": "y"}, (
            photo_jpeg() if kind == "minimal_photo" else None)
    if kind in ("khieu_nai", "khieu_nai_plain"):
        return "/gui/khieu_nai", {**NAMED, **COMPLAINT, "subject": COMPLAINT["subject"] + tag,
                                  "submitter_type": "citizen", "consent": "y"}, None
    if kind == "to_cao":
        return "/gui/to_cao", {
            **{k: NAMED[k] for k in ("full_name", "address", "cccd", "phone")},
            "subject": "Tố cáo cán bộ nhận tiền để làm nhanh hồ sơ" + tag,
            "content": "Ngày 12/03, tại bộ phận một cửa, một cán bộ đề nghị tôi đưa 2 triệu đồng để hồ sơ "
                       "được giải quyết trong tuần. Tôi có ghi lại thời gian và số quầy.",
            "incident_place": "Bộ phận một cửa, tầng 1", "submitter_type": "citizen", "consent": "y"}, None
    if kind == "phan_anh_photo":
        return "/gui/phan_anh", {
            **{k: NAMED[k] for k in ("full_name", "address", "phone")},
            "subject": "Biển báo công trình đổ chắn lối đi" + tag,
            "content": "Biển báo của công trình sửa đường đổ ra giữa vỉa hè từ ba ngày nay, người đi bộ "
                       "phải đi xuống lòng đường. Ảnh chụp sáng nay.",
            "submitter_type": "citizen", "consent": "y"}, photo_jpeg()
    if kind == "gop_y_anon":
        return "/gui/gop_y", {
            "subject": "Góp ý thử tải" + tag,
            "content": "Nội dung góp ý dùng để đo hiệu năng: thủ tục cần rõ ràng hơn, "
                       "thời gian chờ ở bộ phận một cửa còn dài.",
            "submitter_type": "citizen", "anonymous": "y"}, None
    raise ValueError(kind)


def open311_fields(n: int, api_key: str) -> dict:
    return {"api_key": api_key, "service_code": "khieu_nai", "description": COMPLAINT["content"],
            "first_name": "Bình", "last_name": "Nguyễn Văn", "email": NAMED["email"],
            "phone": NAMED["phone"], "attribute[contact_address]": NAMED["address"],
            "attribute[subject]": COMPLAINT["subject"] + f" (API {n})", "attribute[cccd]": NAMED["cccd"],
            "attribute[complained_decision]": COMPLAINT["complained_decision"],
            "attribute[request_text]": COMPLAINT["request_text"],
            "attribute[submitter_type]": "citizen", "attribute[consent]": "true",
            "attribute[idempotency_key]": uuid.uuid4().hex}


def multipart(fields: dict, photo: bytes | None) -> tuple[bytes, str]:
    boundary = "----danvanbench" + uuid.uuid4().hex
    parts = []
    for k, v in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    if photo is not None:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
                     f'filename="anh-hien-truong.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode())
        parts.append(photo)
        parts.append(b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    app: str  # ours | minimal
    photo: bool = False
    api: bool = False


KINDS = [
    Kind("minimal", "minimal Flask app, named letter", "minimal"),
    Kind("khieu_nai", "khiếu nại, named (CCCD, phone, e-mail)", "ours"),
    Kind("khieu_nai_plain", "the same, identity crypto -> identity (bench only)", "plain"),
    Kind("to_cao", "tố cáo with identity", "ours"),
    Kind("minimal_photo", "minimal Flask app, + 1 MB photo", "minimal", photo=True),
    Kind("phan_anh_photo", "phản ánh, named, + 1 MB photo", "ours", photo=True),
    Kind("gop_y_anon", "góp ý, anonymous (the old figure)", "ours"),
    Kind("open311", "Open311 POST (named complaint)", "ours", api=True),
]


class Client:
    """One simulated citizen for one server: its own HTTP/1.1 connection (reopened when the server
    closes it, which gunicorn's sync workers do after every response) and its own cookies."""

    def __init__(self, server: Server):
        self.server = server
        self.conn = http.client.HTTPConnection(HOST, server.port, timeout=REQUEST_TIMEOUT)
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, bytes]:
        headers = {"User-Agent": "danvan-bench", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except BaseException:
            self.conn.close()
            raise
        for sc in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = sc.partition("=")
            value = rest.split(";", 1)[0]
            low = sc.lower()
            if "max-age=0" in low or "expires=thu, 01 jan 1970" in low:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return resp.status, data

    def prepare(self) -> None:
        path = "/gui" if self.server.app == "minimal" else "/gui/khieu_nai"
        status, body = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} -> {status}: {text_snippet(body)}")
        self.csrf = form_inputs(body.decode("utf-8", "replace")).get("csrf_token", "")
        if not self.csrf:
            raise RuntimeError(f"GET {path}: no csrf_token in the form")

    def submit(self, kind: Kind, n: int) -> tuple[int, bytes]:
        if kind.api:
            body = urlencode(open311_fields(n, self.server.api_key)).encode()
            return self.request("POST", "/open311/v2/requests.json", body, "application/x-www-form-urlencoded")
        path, fields, photo = web_fields(kind.name, n)
        body, ctype = multipart({**fields, "csrf_token": self.csrf, "token": uuid.uuid4().hex}, photo)
        return self.request("POST", path, body, ctype)

    def close(self) -> None:
        self.conn.close()


def _ticks(pid: int) -> int:
    f = _stat(pid)
    return int(f[11]) + int(f[12]) if f else 0


@dataclass
class Segment:
    kind: Kind
    rep: int
    ok: int = 0
    failed: int = 0
    wall: float = 0.0
    app_cpu: float = 0.0   # gunicorn master + workers, s
    pg_cpu: float = 0.0    # postgres backends of this server's database, s
    other_cpu: float = 0.0  # the rest of the machine while the segment ran (noise), s
    statuses: Counter = field(default_factory=Counter)
    first_failure: str | None = None

    @property
    def ms(self) -> float:
        return (self.app_cpu + self.pg_cpu) * 1000 / self.ok if self.ok else float("nan")


def run_segment(server: Server, clients: list[Client], kind: Kind, rep: int, seconds: float,
                counter: list[int]) -> Segment:
    """Every client posts ``kind`` back to back until ``seconds`` have passed; CPU is read around it."""
    seg = Segment(kind, rep)
    expected = 201 if kind.api else 303
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(client: Client):
        while time.monotonic() < stop_at:
            with lock:
                counter[0] += 1
                n = counter[0]
            try:
                status, body = client.submit(kind, n)
                key, detail = status, f"HTTP {status}: {text_snippet(body)}"
            except Exception as exc:  # a refused/reset/timed-out connection is a failure too
                key, detail = exc.__class__.__name__, f"{exc.__class__.__name__}: {exc}"
            with lock:
                seg.statuses[key] += 1
                if key == expected:
                    seg.ok += 1
                else:
                    seg.failed += 1
                    seg.first_failure = seg.first_failure or detail
                    if seg.failed > 50 and seg.ok == 0:
                        return

    pg0 = {p: _ticks(p) for p in server.pg_backends()}
    u0, s0, _w = cpu_seconds(server.proc.pid)
    busy0, t0 = machine_busy_seconds(), time.perf_counter()
    proc0 = time.process_time()
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        for f in [pool.submit(worker, c) for c in clients]:
            f.result()
    seg.wall = time.perf_counter() - t0
    proc1 = time.process_time()
    u1, s1, _w = cpu_seconds(server.proc.pid)
    busy1 = machine_busy_seconds()
    pg1 = {p: _ticks(p) for p in server.pg_backends()}
    seg.app_cpu = (u1 - u0) + (s1 - s0)
    seg.pg_cpu = sum(t - pg0.get(p, 0) for p, t in pg1.items()) / CLK_TCK
    seg.other_cpu = max(0.0, (busy1 - busy0) - seg.app_cpu - seg.pg_cpu - (proc1 - proc0))
    return seg


def _rng(vals: list[float], fmt: str = "{:.1f}") -> str:
    vals = [v for v in vals if v == v]
    if not vals:
        return "nan"
    med = statistics.median(vals)
    if len(vals) == 1:
        return fmt.format(med)
    return f"{fmt.format(med)} ({fmt.format(min(vals))}–{fmt.format(max(vals))})"


def run(engine: str, *, concurrency: int, reps: int, seconds: float, warmup_seconds: float) -> dict:
    """One interleaved run on one engine; returns the per-kind figures (also printed)."""
    print(f"\n== Submissions, {engine}: ours and the minimal app, gunicorn -w 2 (sync) each, "
          f"{concurrency} clients, {reps} × {seconds:.0f} s per kind, interleaved ==")
    with Server(engine) as ours, Server(engine, app="minimal") as minimal, \
            Server(engine, app="plain") as plain:
        servers = {"ours": ours, "minimal": minimal, "plain": plain}
        clients = {name: [Client(srv) for _ in range(concurrency)] for name, srv in servers.items()}
        counter = [0]
        segments: list[Segment] = []
        try:
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                for cs in clients.values():
                    list(pool.map(lambda c: c.prepare(), cs))
            for kind in KINDS:  # warm-up: imports, pools, caches; not measured
                seg = run_segment(servers[kind.app], clients[kind.app], kind, 0, warmup_seconds, counter)
                if seg.ok == 0:
                    raise RuntimeError(f"every warm-up {kind.name} submission failed; first: {seg.first_failure}")
                segments.append(seg)
            for rep in range(1, reps + 1):
                for kind in KINDS:
                    segments.append(run_segment(servers[kind.app], clients[kind.app], kind, rep, seconds, counter))
        finally:
            for cs in clients.values():
                for c in cs:
                    c.close()
        stored = {name: srv.count_cases() for name, srv in servers.items()}
        problems = {name: srv.log_problems() for name, srv in servers.items()}
    accepted = {name: sum(s.ok for s in segments if s.kind.app == name) for name in servers}
    measured = [s for s in segments if s.rep > 0]

    def per(kind: str) -> list[Segment]:
        return [s for s in measured if s.kind.name == kind]

    def ratios(kind: Kind) -> list[float]:
        base = "minimal_photo" if kind.photo else "minimal"
        by_rep = {s.rep: s.ms for s in per(base)}
        return [s.ms / by_rep[s.rep] for s in per(kind.name) if by_rep.get(s.rep)]

    figures, rows = {}, []
    for kind in KINDS:
        segs = per(kind.name)
        ms = [s.ms for s in segs]
        ok, failed = sum(s.ok for s in segs), sum(s.failed for s in segs)
        rps = [s.ok / s.wall for s in segs if s.wall]
        r = ratios(kind) if kind.app != "minimal" else []
        target = (TARGET_PHOTO if kind.photo else TARGET_TEXT) if kind.name in ("khieu_nai", "phan_anh_photo") else None
        verdict = "" if target is None or not r else ("OK" if max(r) <= target else
                                                      "median OK" if statistics.median(r) <= target else "OVER")
        figures[kind.name] = dict(ms=ms, ratios=r, ok=ok, failed=failed, target=target,
                                  pg_ms=[s.pg_cpu * 1000 / s.ok for s in segs if s.ok])
        rows.append([kind.name, kind.label, f"{ok}/{ok + failed}", _rng(rps, "{:.0f}"), _rng(ms, "{:.2f}"),
                     _rng(figures[kind.name]["pg_ms"], "{:.2f}") if engine == "postgresql" else "-",
                     _rng(r, "{:.2f}×") if r else "-", f"≤ {target}×  {verdict}" if target else ""])
    print(table(["kind", "what", "ok/sent", "req/s", "CPU ms/sub", "of which postgres", "÷ minimal", "target"],
                rows, right={2, 3, 4, 5, 6}))
    print(f"CPU ms/sub and ÷ minimal: median (min–max) of {reps} repetitions; ÷ minimal pairs each "
          "segment with the minimal app's segment of the same repetition (photo kinds with minimal_photo).")
    other = sum(s.other_cpu for s in measured) / max(sum(s.wall for s in measured), 1e-9)
    print(f"other CPU on the machine during the segments: {other * 100:.0f}% of one core on average "
          f"({os.cpu_count()} CPUs; load from other work makes figures noisier, not larger)")
    by_rep = {s.rep: s.ms for s in per("khieu_nai_plain")}
    crypto = [s.ms - by_rep[s.rep] for s in per("khieu_nai") if by_rep.get(s.rep)]
    figures["crypto_ms"] = crypto
    if crypto:
        print(f"encryption at rest (issue 9): khieu_nai − khieu_nai_plain, paired by repetition = "
              f"{_rng(crypto, '{:+.2f}')} ms CPU per submission (target < +0.5 ms)")
    if any(k.photo for k in KINDS):
        from danvan_feedback.storage import clean_upload
        cost = []
        for _ in range(5):
            t = time.process_time()
            clean_upload(photo_jpeg(), "anh.jpg", 10 * 1024 * 1024)
            cost.append((time.process_time() - t) * 1000)
        print(f"the photo ({len(photo_jpeg()) // 1024} KiB JPEG, 1600×1200, upright, no EXIF): its check "
              f"and metadata-free copy (storage.clean_upload) cost {_rng(cost, '{:.1f}')} ms CPU in one "
              "process, work the minimal app does not do")
    ok_rows = stored == accepted
    print(f"rows stored: ours {stored['ours']} cases, minimal {stored['minimal']} letters, plain "
          f"{stored['plain']} cases (accepted {accepted['ours']} / {accepted['minimal']} / "
          f"{accepted['plain']}) -> {'OK' if ok_rows else 'MISMATCH'}")
    for seg in segments:
        if seg.first_failure:
            print(f"first failure of {seg.kind.name} (rep {seg.rep}): {seg.first_failure[:300]}")
            break
    for name, lines in problems.items():
        for ln in lines[:10]:
            print(f"  {name} gunicorn log: {ln[:300]}")
    failed = any(s.failed for s in segments) or not ok_rows
    return dict(engine=engine, figures=figures, failed=failed, rows_ok=ok_rows)
