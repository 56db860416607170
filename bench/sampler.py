"""A small statistical profiler: where the CPU time goes, without cProfile's per-call overhead.

cProfile charges every Python call a fixed cost, so code made of many small calls (the regular
expression compiler, WTForms, SQLAlchemy's attribute machinery) looks several times dearer than it
is. This sampler instead asks the kernel for a signal every ``interval`` seconds of the process's
CPU time (``setitimer(ITIMER_PROF)``) and, in the handler, charges the CPU time elapsed since the
previous sample to the stack it interrupts. A long call into C (a SQLite commit, a JPEG decode)
delivers one signal when it returns, so the elapsed CPU time, not the count of signals, is what is
charged. Main thread only; used by ``python -m bench.profile_submit --sampler``.
"""
from __future__ import annotations

import signal
import sys
import time
from collections import defaultdict


class Sampler:
    def __init__(self, interval: float = 0.0005):
        self.interval = interval
        self.own: dict[tuple, float] = defaultdict(float)  # (file, line, func) -> CPU s at the top
        self.cum: dict[tuple, float] = defaultdict(float)  # (file, line, func) -> CPU s on the stack
        self.total = 0.0
        self._last = 0.0
        self._old = None

    def _handler(self, _signum, frame) -> None:
        now = time.process_time()
        spent, self._last = now - self._last, now
        if frame is None:
            return
        self.total += spent
        seen = set()
        top = True
        while frame is not None:
            code = frame.f_code
            key = (code.co_filename, code.co_firstlineno, code.co_name)
            if top:
                self.own[key] += spent
                top = False
            if key not in seen:  # recursion counts once
                self.cum[key] += spent
                seen.add(key)
            frame = frame.f_back

    def __enter__(self) -> "Sampler":
        self._old = signal.signal(signal.SIGPROF, self._handler)
        self._last = time.process_time()
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)
        return self

    def __exit__(self, *exc) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, self._old or signal.SIG_DFL)

    def stats(self) -> list[tuple[tuple, float, float]]:
        """``[(file, line, func), own s, cumulative s]``, dearest cumulative first."""
        keys = set(self.own) | set(self.cum)
        return sorted(((k, self.own.get(k, 0.0), self.cum.get(k, 0.0)) for k in keys), key=lambda r: -r[2])


if __name__ == "__main__":  # pragma: no cover - a quick self-check
    with Sampler() as s:
        sum(i * i for i in range(3_000_000))
    print(f"{s.total:.3f} s sampled", file=sys.stderr)
