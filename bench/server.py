"""A fresh database, a migrated schema and a gunicorn on 127.0.0.1 for one engine; all removed on exit."""
from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import HOST

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _admin_url() -> str:
    """Where the benchmarks create and drop their databases: ``BENCH_PG_URL``, else the tests'
    ``TEST_DATABASE_URL``, else ``postgres`` on 127.0.0.1:5432 (database ``test``)."""
    url = (os.environ.get("BENCH_PG_URL") or os.environ.get("TEST_DATABASE_URL")
           or "postgresql://postgres@127.0.0.1:5432/test")
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def pg_name(base: str) -> str:
    """A database name of this process (``<base>_<pid>``): benchmarks and test runs side by side on
    one server never drop each other's database."""
    return f"{base}_{os.getpid()}"


PG_ADMIN_URL = _admin_url()
PG_BENCH_DB = os.environ.get("BENCH_PG_DB") or pg_name("danvan_bench")
PG_MINIMAL_DB = PG_BENCH_DB + "_minimal"
SECRET_KEY = "bench-secret-key-0123456789abcdef01234567"  # 41 chars, testing only
CLK_TCK = os.sysconf("SC_CLK_TCK")


def _bin(name: str) -> str:
    for cand in (BIN / name, ROOT / ".venv" / "bin" / name):
        if cand.exists():
            return str(cand)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found next to {sys.executable} nor in .venv/bin")
    return found


def pg_unavailable_reason(timeout: float = 1.5) -> str | None:
    """None when the server of PG_ADMIN_URL answers and psycopg can log in; else why not."""
    from urllib.parse import urlsplit
    parts = urlsplit(PG_ADMIN_URL)
    host, port = parts.hostname or HOST, parts.port or 5432
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        return f"nothing answers on {host}:{port} ({exc.__class__.__name__}: {exc})"
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed in this Python"
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure: cannot use it
        return f"cannot log in to {PG_ADMIN_URL} ({exc.__class__.__name__}: {str(exc).strip()[:200]})"
    return None


def pg_create(name: str) -> str:
    import psycopg
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_url(name)


def pg_url(name: str) -> str:
    """The URL of database ``name`` on the server of PG_ADMIN_URL (same user, host and options)."""
    from urllib.parse import urlsplit, urlunsplit
    parts = urlsplit(PG_ADMIN_URL)
    return urlunsplit(parts._replace(path="/" + name))


def pg_drop(name: str) -> None:
    import psycopg
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()  # fields from #3 (state) on


def children_of(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            f = _stat(int(entry))
            if f and int(f[1]) == pid:
                out.append(int(entry))
    return sorted(out)


def cpu_seconds(master: int) -> tuple[float, float, list[int]]:
    """(user, system) CPU seconds of the gunicorn master (plus its reaped children: cutime, cstime)
    and of its live workers, and the workers' pids."""
    f = _stat(master)
    if f is None:
        raise RuntimeError(f"gunicorn master {master} is gone")
    user, system = int(f[11]) + int(f[13]), int(f[12]) + int(f[14])
    workers = children_of(master)
    for w in workers:
        wf = _stat(w)
        if wf:
            user += int(wf[11])
            system += int(wf[12])
    return user / CLK_TCK, system / CLK_TCK, workers


def machine_busy_seconds() -> float:
    """CPU seconds all CPUs of the machine spent busy since boot (from /proc/stat)."""
    with open("/proc/stat") as f:
        vals = [int(x) for x in f.readline().split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)  # idle + iowait
    return (sum(vals[:8]) - idle) / CLK_TCK  # user nice system idle iowait irq softirq steal


class Server:
    """Use as a context manager: fresh temp dir and database, ``flask db upgrade``, gunicorn."""

    def __init__(self, engine: str, workers: int = 2, app: str = "ours", root: Path | None = None,
                 label: str | None = None):
        """``app``: ``ours`` (wsgi:app, migrated with ``flask db upgrade``), ``plain`` (the same
        with the identity cryptography replaced by identity functions, bench/plain_identity.py) or
        ``minimal`` (bench.minimal_app); on PostgreSQL each has its own database. ``root``: the
        checkout to serve (default this one; another one, e.g. an older commit in a ``git worktree``,
        for a same-run comparison, see bench/baseline.py), ``label`` names its database."""
        self.engine = engine
        self.app = app
        self.root = Path(root) if root else ROOT
        self.pg_db = {"ours": PG_BENCH_DB, "minimal": PG_MINIMAL_DB}.get(app, f"{PG_BENCH_DB}_{app}")
        if label:
            self.pg_db = f"{PG_BENCH_DB}_{label}"
        self.api_key = ""
        self.workers = workers
        self.tmp: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.db_url = ""
        self.pg_created = False
        self.log_path: Path | None = None
        self._log = None

    # -- setup ---------------------------------------------------------------------------------
    def __enter__(self) -> "Server":
        try:
            self._setup()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def env(self) -> dict:
        env = dict(os.environ)
        env.update({
            "APP_ENV": "testing", "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": "false",
            "RATELIMIT_STORAGE_URI": "memory://", "INSTANCE_PATH": str(self.tmp / "instance"),
            "UPLOAD_DIR": str(self.tmp / "uploads"), "DATABASE_URL": self.db_url,
            "PUBLIC_BASE_URL": "http://127.0.0.1", "MAIL_SERVER": HOST, "MAIL_PORT": "1",
            "PROXY_COUNT": "0", "FLASK_APP": "wsgi", "PYTHONUNBUFFERED": "1",
            "MINIMAL_DATABASE_URL": self.db_url, "MINIMAL_UPLOAD_DIR": str(self.tmp / "uploads"),
            "PYTHONPATH": str(self.root),  # the checkout served, never another one's package
        })
        return env

    def _setup(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix=f"danvan-bench-{self.app}-{self.engine}-"))
        if self.root != ROOT and not (self.root / "wsgi.py").exists():
            raise RuntimeError(f"{self.root} is not a checkout of danvan_feedback (no wsgi.py)")
        (self.tmp / "instance").mkdir()
        (self.tmp / "uploads").mkdir()
        if self.engine == "sqlite":
            self.db_url = f"sqlite:///{self.tmp / 'instance' / 'bench.sqlite3'}"
        else:
            self.db_url = pg_create(self.pg_db)
            self.pg_created = True
        if self.app != "minimal":
            self._run([_bin("flask"), "--app", "wsgi", "db", "upgrade"])
            self.api_key = self._run([_bin("flask"), "--app", "wsgi", "api-keys", "create", "bench"]).strip()
        else:
            self._run([sys.executable, "-m", "bench.minimal_app", "init"])
        self.port = free_port()
        self.log_path = self.tmp / "gunicorn.stderr.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [_bin("gunicorn"), "-w", str(self.workers), "-b", f"{HOST}:{self.port}",
             "--graceful-timeout", "5", "--no-control-socket",
             {"ours": "wsgi:app", "plain": "bench.plain_identity:app"}.get(self.app, "bench.minimal_app:app")],
            cwd=self.root, env=self.env(), stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready(120)

    def _run(self, cmd: list[str]) -> str:
        r = subprocess.run(cmd, cwd=self.root, env=self.env(), capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[-3:])} failed:\n" + (r.stdout + r.stderr)[-2000:])
        return r.stdout

    def _wait_ready(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        last = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                c = http.client.HTTPConnection(HOST, self.port, timeout=5)
                c.request("GET", "/gui" if self.app == "minimal" else "/")
                status = c.getresponse().status
                c.close()
                if status == 200 and len(children_of(self.proc.pid)) >= self.workers:
                    return
                last = f"GET / -> {status}"
            except OSError as exc:
                last = f"{exc.__class__.__name__}: {exc}"
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready after {seconds:.0f} s ({last}):\n{self.log_tail()}")

    # -- while running ---------------------------------------------------------------------------
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def cpu(self) -> tuple[float, float, list[int]]:
        return cpu_seconds(self.proc.pid)

    def count_cases(self) -> int:
        table = "letters" if self.app == "minimal" else "cases"
        if self.engine == "sqlite":
            path = self.db_url[len("sqlite:///"):]
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
            try:
                return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            finally:
                conn.close()
        import psycopg
        with psycopg.connect(self.db_url, connect_timeout=5) as conn:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def pg_backends(self) -> list[int]:
        """The pids of the PostgreSQL backends connected to this server's database (its pool)."""
        if self.engine != "postgresql":
            return []
        import psycopg
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            return [r[0] for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.pg_db,)).fetchall()]

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text("utf-8", "replace").splitlines()[-lines:])

    def log_problems(self, limit: int = 25) -> list[str]:
        """Lines of the gunicorn log that look like trouble (errors, tracebacks, timeouts, locks)."""
        if not self.log_path or not self.log_path.exists():
            return []
        keys = ("ERROR", "CRITICAL", "Traceback", "Error", "locked", "WORKER TIMEOUT", "exception")
        out = [ln for ln in self.log_path.read_text("utf-8", "replace").splitlines()
               if any(k in ln for k in keys)]
        return out[:limit]

    # -- teardown --------------------------------------------------------------------------------
    def close(self) -> None:
        if self.proc is not None:
            pgid = self.proc.pid  # start_new_session: the master leads its own process group
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(pgid, signal.SIGKILL)
                    self.proc.wait(timeout=5)
            try:  # a worker left behind in our group
                os.killpg(pgid, 0)
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc = None
        if self._log:
            self._log.close()
            self._log = None
        if self.pg_created:
            try:
                pg_drop(self.pg_db)
            except Exception as exc:
                print(f"warning: could not drop database {self.pg_db}: {exc}", file=sys.stderr)
            self.pg_created = False
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
