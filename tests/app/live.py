"""A real server for app tests that need real parallel HTTP requests: gunicorn (several sync worker
processes) serving the ``app`` fixture's database, plus a small cookie-keeping HTTP client."""
from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class LiveServer:
    """``with LiveServer(app.config, tmp_path) as base_url: ...`` — gunicorn on 127.0.0.1."""

    def __init__(self, config, tmp_path: Path, workers: int = 4, extra_env: dict | None = None,
                 config_file: Path | None = None):
        """``config_file`` (e.g. the repository's ``gunicorn.conf.py``) serves with those settings
        (worker class, workers, threads, limits) instead of ``workers`` sync workers."""
        self.config, self.tmp, self.workers = config, Path(tmp_path), workers
        self.config_file = config_file
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen | None = None
        self.log = self.tmp / "gunicorn.log"

    def env(self) -> dict:
        c = self.config
        env = dict(os.environ)
        env.update({
            "APP_ENV": "testing", "SECRET_KEY": c["SECRET_KEY"], "DATABASE_URL": c["SQLALCHEMY_DATABASE_URI"],
            "INSTANCE_PATH": str(self.tmp / "live-instance"), "UPLOAD_DIR": c["UPLOAD_DIR"],
            "RATELIMIT_ENABLED": "false", "RATELIMIT_STORAGE_URI": "memory://",
            "PIN_HMAC_KEY": c["PIN_HMAC_KEY"], "MAIL_SERVER": HOST, "MAIL_PORT": "1",
            "PUBLIC_BASE_URL": c.get("PUBLIC_BASE_URL") or "http://kiemthu.local", "PYTHONUNBUFFERED": "1",
        })
        for key in ("AUDIT_HMAC_KEY", "AUDIT_CHECKPOINT_DIR", "IDENTITY_KEYS"):  # same keys as the fixture's app
            if c.get(key):
                env[key] = str(c[key])
        env.update(self.extra_env)
        return env

    def __enter__(self) -> str:
        port = _free_port()
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self._log = open(self.log, "wb")
        if self.config_file is not None:
            args = [gunicorn, "-c", str(self.config_file), "-b", f"{HOST}:{port}", "--graceful-timeout", "5",
                    "--no-control-socket", "wsgi:app"]
        else:
            args = [gunicorn, "-w", str(self.workers), "-b", f"{HOST}:{port}", "--graceful-timeout", "5",
                    "--timeout", "60", "--no-control-socket", "wsgi:app"]
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=self.env(), stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 240  # a shared, busy machine boots workers slowly
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + self.log.read_text("utf-8", "replace")[-3000:])
            try:
                c = http.client.HTTPConnection(HOST, port, timeout=60)
                c.request("GET", "/")
                if c.getresponse().status == 200:
                    c.close()
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn not ready:\n" + self.log.read_text("utf-8", "replace")[-3000:])
        for _ in range(self.workers * 2):  # warm every worker (imports, first connection)
            Browser(f"http://{HOST}:{port}").get("/dang-nhap")
        return f"http://{HOST}:{port}"

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=5)
            self.proc = None
        self._log.close()

    def problems(self) -> list[str]:
        keys = ("Traceback", "ERROR", "WORKER TIMEOUT")
        return [ln for ln in self.log.read_text("utf-8", "replace").splitlines() if any(k in ln for k in keys)]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """One user's cookies; answers (status, body) without following redirects."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def _open(self, req) -> tuple[int, str, dict]:
        try:
            with self.opener.open(req, timeout=60) as resp:
                return resp.status, resp.read().decode("utf-8", "replace"), dict(resp.headers)
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace"), dict(err.headers)

    def get(self, path: str) -> tuple[int, str, dict]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, method="POST",
                                                 headers={"Referer": self.base + path}))

    @staticmethod
    def csrf(html: str) -> str:
        return _CSRF.search(html).group(1)

    def login(self, user: dict, password: str, code_for) -> None:
        _s, html, _h = self.get("/dang-nhap")
        status, _b, headers = self.post("/dang-nhap", {"csrf_token": self.csrf(html), "username": user["username"],
                                                       "password": password})
        assert status == 302, status
        if "/dang-nhap/xac-thuc" in headers.get("Location", ""):
            _s, html, _h = self.get("/dang-nhap/xac-thuc")
            status, _b, headers = self.post("/dang-nhap/xac-thuc", {"csrf_token": self.csrf(html),
                                                                    "code": code_for(user)})
        assert status == 302 and "/dang-nhap" not in headers.get("Location", ""), (status, headers)
