"""``python -m bench.profile_workers``: where gunicorn's workers spend their CPU on one kind of submission.

The in-process profile (``bench.profile_submit``) measures the Flask test client, whose own work is
charged to the same process and whose requests skip the HTTP server. This one profiles what the
submission benchmark measures: a fresh database and ``gunicorn -w 2`` (our app, or the minimal app
of ``bench/minimal_app.py``), 8 clients posting one kind over HTTP. Each worker runs the statistical
sampler of ``bench/sampler.py`` (SIGPROF every 0.5 ms of CPU, the CPU time between two signals
charged to the interrupted stack) from its 60th request on, so start-up and warm-up are left out,
and writes its stacks when gunicorn stops it; the stacks of both workers are added up.

Prints the CPU per submission of the master and workers (``/proc``; on PostgreSQL plus its
backends), then the functions by cumulative and by own CPU per sampled request, and with
``--callers TEXT`` which stacks lead to the functions whose name contains TEXT.
"""
from __future__ import annotations

import argparse
import glob
import os
import pickle
import sys
import tempfile
import threading
import time
from collections import defaultdict

from . import table
from .profile_submit import _where
from .server import CLK_TCK, Server, _stat, cpu_seconds, pg_unavailable_reason
from .submit import KINDS, Client

WARM = 60  # requests per worker before its sampler starts


# -- gunicorn hooks: this module is also the ``-c`` config file of the profiled gunicorn ------------

def post_fork(server, worker):  # noqa: ARG001 (gunicorn's signature)
    worker.bench_requests, worker.bench_sampler = 0, None


def pre_request(worker, req):  # noqa: ARG001
    worker.bench_requests += 1
    if worker.bench_requests == WARM:
        import signal
        stacks, state = defaultdict(float), {"last": time.process_time(), "total": 0.0}

        def handler(_signum, frame):
            now = time.process_time()
            spent, state["last"] = now - state["last"], now
            if frame is None:
                return
            state["total"] += spent
            stack = []
            while frame is not None:
                code = frame.f_code
                stack.append((code.co_filename, code.co_firstlineno, code.co_name))
                frame = frame.f_back
            stacks[tuple(stack)] += spent
        signal.signal(signal.SIGPROF, handler)
        signal.setitimer(signal.ITIMER_PROF, 0.0005, 0.0005)
        worker.bench_sampler = (stacks, state)


def worker_exit(server, worker):  # noqa: ARG001
    if worker.bench_sampler is None:
        return
    import signal
    signal.setitimer(signal.ITIMER_PROF, 0, 0)
    stacks, state = worker.bench_sampler
    with open(os.path.join(os.environ["BENCH_WORKER_PROFILES"], f"{os.getpid()}.pkl"), "wb") as fh:
        pickle.dump((worker.bench_requests - WARM + 1, state["total"], dict(stacks)), fh)


# -- the driver --------------------------------------------------------------------------------

def _drive(server: Server, kind, n: int, concurrency: int) -> None:
    clients = [Client(server) for _ in range(concurrency)]
    for c in clients:
        c.prepare()
    lock, sent, failures = threading.Lock(), [0], []

    def work(client: Client):
        while True:
            with lock:
                if sent[0] >= n or len(failures) > 10:
                    return
                sent[0] += 1
                i = sent[0]
            status, body = client.submit(kind, 10_000_000 + i)
            if status not in (201, 303):
                with lock:
                    failures.append(f"HTTP {status}: {body[:200]!r}")
    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in clients:
        c.close()
    if failures:
        raise RuntimeError(f"{len(failures)} submissions failed; first: {failures[0]}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile_workers", description=__doc__.split("\n\n")[1])
    p.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--kind", choices=[k.name for k in KINDS], default="khieu_nai",
                   help="as in python -m bench --only submit (minimal, minimal_photo: the minimal app)")
    p.add_argument("-n", type=int, default=800, help="submissions (default 800, 400 per worker)")
    p.add_argument("--top", type=int, default=40, help="rows per table (default 40)")
    p.add_argument("--callers", metavar="TEXT", help="also list the stacks below functions matching TEXT")
    args = p.parse_args(argv)
    if args.engine == "postgresql" and (reason := pg_unavailable_reason()):
        print(f"SKIP postgresql: {reason}")
        return 0
    kind = next(k for k in KINDS if k.name == args.kind)
    out = tempfile.mkdtemp(prefix="danvan-worker-profiles-")
    os.environ["BENCH_WORKER_PROFILES"] = out
    os.environ["GUNICORN_CMD_ARGS"] = "-c python:bench.profile_workers"
    try:
        with Server(args.engine, app="minimal" if kind.app == "minimal" else "ours") as server:
            _drive(server, kind, 2 * WARM + 40, 8)  # past the warm-up of both workers
            u0, s0, _w = cpu_seconds(server.proc.pid)
            pg0 = {pid: _stat(pid) for pid in server.pg_backends()}
            _drive(server, kind, args.n, 8)
            u1, s1, _w = cpu_seconds(server.proc.pid)
            pg = sum(int(f[11]) + int(f[12]) - (int(pg0[pid][11]) + int(pg0[pid][12]) if pg0.get(pid) else 0)
                     for pid in server.pg_backends() if (f := _stat(pid))) / CLK_TCK
        print(f"{args.engine}, {args.kind}: {(u1 - u0 + s1 - s0) * 1000 / args.n:.2f} ms CPU per submission "
              f"(gunicorn master + workers; user {(u1 - u0) * 1000 / args.n:.2f}, system "
              f"{(s1 - s0) * 1000 / args.n:.2f})" + (f" + {pg * 1000 / args.n:.2f} ms PostgreSQL backends"
                                                     if args.engine == "postgresql" else ""))
        _report(out, args.top, args.callers)
    finally:
        for path in glob.glob(os.path.join(out, "*.pkl")):
            os.remove(path)
        os.rmdir(out)
        os.environ.pop("GUNICORN_CMD_ARGS", None)
    return 0


def _report(out: str, top: int, callers: str | None) -> None:
    requests, total, stacks = 0, 0.0, defaultdict(float)
    for path in glob.glob(os.path.join(out, "*.pkl")):
        with open(path, "rb") as fh:
            n, t, st = pickle.load(fh)
        requests, total = requests + n, total + t
        for key, v in st.items():
            stacks[key] += v
    if not requests:
        print("no worker profile was written (did gunicorn stop its workers gracefully?)")
        return
    own, cum = defaultdict(float), defaultdict(float)
    for stack, v in stacks.items():
        own[stack[0]] += v
        for key in set(stack):
            cum[key] += v
    print(f"sampled {requests} requests in the workers: {total * 1000 / requests:.2f} ms CPU each "
          "(Python frames; a call into C is charged to its caller)\n")
    skip = ("gunicorn/arbiter", "gunicorn/app", "bin/gunicorn")
    print(table(["function", "cum ms/request"], [
        [_where(*k)[:110], f"{v * 1000 / requests:.3f}"]
        for k, v in sorted(cum.items(), key=lambda kv: -kv[1]) if not any(s in k[0] for s in skip)][:top * 2],
        right={1}))
    print()
    print(table(["function", "own ms/request"], [
        [_where(*k)[:110], f"{v * 1000 / requests:.3f}"]
        for k, v in sorted(own.items(), key=lambda kv: -kv[1])[:top]], right={1}))
    if callers:
        below = defaultdict(float)
        for stack, v in stacks.items():
            at = next((i for i, k in enumerate(stack) if callers in _where(*k)), None)
            if at is not None:
                below[" <- ".join(_where(*k) for k in stack[at:at + 6])] += v
        print(f"\nstacks below functions matching {callers!r}")
        for chain, v in sorted(below.items(), key=lambda kv: -kv[1])[:top]:
            print(f"{v * 1000 / requests:7.3f}  {chain}")


if __name__ == "__main__":
    sys.exit(main())
