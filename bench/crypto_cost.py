"""``python -m bench.crypto_cost``: what encrypting identities at rest costs one named complaint.

One process, the Flask test client, a fresh migrated database (SQLite in a temporary directory, or
a fresh PostgreSQL database ``danvan_bench_crypto_<pid>``, dropped at the end). Blocks of
submissions alternate between the real identity cryptography (AES-GCM of each identity field and of
the sealed receipt, HMAC-SHA256 blind indexes) and identity functions in its place
(bench/plain_identity.py); the CPU time of each block is paired with the next one's, so both see the
same machine. Prints the CPU ms per submission of each and their difference (issue 9: < +0.5 ms).
The gunicorn benchmark (``khieu_nai`` − ``khieu_nai_plain``) measures the same thing with a server,
but its segments run seconds apart and the noise of a shared machine is larger than the effect.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from . import form_inputs
from .server import SECRET_KEY, pg_create, pg_drop, pg_name, pg_unavailable_reason
from .submit import web_fields

PG_DB = pg_name("danvan_bench_crypto")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.crypto_cost", description=__doc__.split("\n\n")[1])
    p.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--blocks", type=int, default=10, help="pairs of blocks (default 10)")
    p.add_argument("-n", type=int, default=100, help="submissions per block (default 100)")
    args = p.parse_args(argv)
    if args.engine == "postgresql" and (reason := pg_unavailable_reason()):
        print(f"SKIP postgresql: {reason}")
        return 0
    from danvan_feedback import crypto

    from . import plain_identity
    real = (crypto.Keyring.encrypt, crypto.Keyring.decrypt, crypto.Keyring.index)
    tmp = Path(tempfile.mkdtemp(prefix="danvan-crypto-"))
    pg = False
    try:
        if args.engine == "sqlite":
            url = f"sqlite:///{tmp / 'crypto.sqlite3'}"
        else:
            url = pg_create(PG_DB).replace("postgresql://", "postgresql+psycopg://", 1)
            pg = True
        import logging

        from flask_migrate import upgrade

        from danvan_feedback import create_app
        from danvan_feedback.extensions import db
        app = create_app({
            "APP_ENV": "testing", "SKIP_DOTENV": True, "SECRET_KEY": SECRET_KEY,
            "INSTANCE_PATH": str(tmp / "instance"), "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_DIR": str(tmp / "uploads"), "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 1,
        })
        logging.getLogger("alembic").setLevel(logging.WARNING)
        with app.app_context():
            upgrade()
        client = app.test_client()
        path = web_fields("khieu_nai", 0)[0]
        csrf = form_inputs(client.get(path).get_data(as_text=True))["csrf_token"]
        count = [0]

        def block(n: int) -> float:
            t = time.process_time()
            for _ in range(n):
                count[0] += 1
                _p, fields, _photo = web_fields("khieu_nai", count[0])
                r = client.post(path, data={**fields, "csrf_token": csrf, "token": uuid.uuid4().hex},
                                content_type="multipart/form-data")
                if r.status_code != 303:
                    raise RuntimeError(f"POST -> {r.status_code}: {r.get_data(as_text=True)[:300]}")
            return (time.process_time() - t) * 1000 / n

        def use(plain: bool) -> None:
            if plain:
                plain_identity.patch()
            else:
                crypto.Keyring.encrypt, crypto.Keyring.decrypt, crypto.Keyring.index = real

        block(50)
        use(True)
        block(50)
        with_crypto, without, diffs = [], [], []
        for i in range(args.blocks):
            order = (False, True) if i % 2 == 0 else (True, False)  # ABBA: drifts cancel out
            got = {}
            for plain in order:
                use(plain)
                got[plain] = block(args.n)
            with_crypto.append(got[False])
            without.append(got[True])
            diffs.append(got[False] - got[True])
        use(False)
        # The calls themselves, timed one by one: the cost without the noise of the blocks.
        calls = {"encrypt": 0, "decrypt": 0, "index": 0}
        spent = [0.0]

        def timed(name, fn):
            def wrapper(*a, **k):
                t = time.process_time()
                try:
                    return fn(*a, **k)
                finally:
                    spent[0] += time.process_time() - t
                    calls[name] += 1
            return wrapper
        crypto.Keyring.encrypt, crypto.Keyring.decrypt, crypto.Keyring.index = (
            timed("encrypt", real[0]), timed("decrypt", real[1]), timed("index", real[2]))
        block(args.n)
        use(False)

        def rng(v: list[float], fmt: str) -> str:
            return f"{fmt.format(statistics.median(v))} ({fmt.format(min(v))}–{fmt.format(max(v))})"
        print(f"{args.engine}, named complaint (khieu_nai), {args.blocks} pairs of {args.n} submissions, "
              "test client in one process, CPU ms per submission, median (min–max):")
        print(f"  identity cryptography on:   {rng(with_crypto, '{:.2f}')}")
        print(f"  replaced by identity:       {rng(without, '{:.2f}')}")
        print(f"  difference of the blocks:   {rng(diffs, '{:+.3f}')} ms (target < +0.5 ms; noisy on a shared machine)")
        per = {k: v / args.n for k, v in calls.items()}
        print(f"  the calls themselves, timed one by one: {per['encrypt']:.0f} AES-GCM encryptions, "
              f"{per['decrypt']:.0f} decryptions, {per['index']:.0f} HMAC blind indexes per submission = "
              f"{spent[0] * 1000 / args.n:.3f} ms")
        with app.app_context():
            db.engine.dispose()
        return 0
    finally:
        if pg:
            try:
                pg_drop(PG_DB)
            except Exception as exc:
                print(f"warning: could not drop {PG_DB}: {exc}", file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
