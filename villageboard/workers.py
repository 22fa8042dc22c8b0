"""The other cores: pages rendered (and, on a first build, Markdown bodies converted) in forked
worker processes (子进程).

Workers are forked, so they start with the loaded site and the renderer in memory and are
sent nothing but the paths of what to make; what comes out depends only on the site, so the
result is the same whatever the number of workers. Where
processes cannot be forked (Windows) everything is made in this process.

``concurrent.futures`` and not ``multiprocessing.Pool``: when a worker dies (the system's
out-of-memory killer, a crash in a C library) the pool quietly starts another and the
dead one's task is never answered, so the build would wait for ever. Here a dead worker
ends the build with ``WorkerLost``, and the published site stays as it was.
"""
from __future__ import annotations

import collections
import ctypes
import itertools
import multiprocessing
import os
import signal
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from villageboard.cache import flush_all

CHUNK = 64  # outputs a worker makes per task: large enough that sending them back is cheap


class WorkerLost(Exception):
    """A worker process ended without giving its answer."""


def default_jobs() -> int:
    return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def each(make, items: list, jobs: int):
    """Yield ``make(item)`` for every item, in the order given, made by ``jobs`` forked workers.

    The main process takes the answers while the workers go on, so as much of the work per
    output as possible belongs in ``make``.
    """
    global _make
    if jobs <= 1 or len(items) < 2 * CHUNK or not can_fork():
        for item in items:
            yield make(item)
        return
    chunks = iter([items[i:i + CHUNK] for i in range(0, len(items), CHUNK)])
    _make = make  # the forked workers inherit it
    pool = _pool(jobs)
    try:
        # A few chunks in flight per worker, no more: answers waiting here would grow with the village.
        waiting = collections.deque(_submit(pool, _make_chunk, chunk) for chunk in itertools.islice(chunks, 2 * jobs))
        while waiting:
            made = _answer(waiting.popleft())
            following = next(chunks, None)
            if following is not None:
                waiting.append(_submit(pool, _make_chunk, following))
            yield from made
    finally:
        _make = None
        _stop(pool)


class in_background:
    """``work(*args)`` in a forked process, beside what this one does next; ``result()`` waits for
    it (and raises what it raised). ``then()``, if given, runs after it in the same process, with
    what ``work`` left there, once the result has been sent: work the build need not wait for until
    it ends; ``finish()`` waits for it. With ``here``, or where processes cannot be forked, ``work``
    runs here and now and ``then`` at ``finish()``."""

    def __init__(self, work, args: tuple, here: bool = False, then=None):
        global _task
        self._pool = self._value = self._after = None
        self._then = then
        if here or not can_fork():
            self._value = work(*args)
            return
        self._then = None  # done there, not here
        _task = (work, args, then)  # the fork inherits it
        try:
            self._pool = _pool(1)
            self._pending = _submit(self._pool, _run_task)
            if then is not None:  # the one worker takes it when the work is done
                self._after = _submit(self._pool, _run_then)
        finally:
            _task = None

    def result(self):
        if self._pool is None:
            return self._value
        try:
            self._value = _answer(self._pending)
            return self._value
        finally:
            if self._after is None:
                self.close()

    def finish(self) -> None:
        """Wait for ``then`` (or, without it, for ``work``); raises ``WorkerLost`` when its process
        ended without doing it."""
        then, self._then = self._then, None
        try:
            if then is not None:
                then()
                flush_all()
            elif self._pool is not None:
                _answer(self._after or self._pending)
        finally:
            self._after = None
            self.close()

    def close(self) -> None:
        """Stop the process: when the build ended before asking for the result, not when only
        ``then`` is left to do (``finish`` waits for it)."""
        if self._pool is not None and not (self._after is not None and self._pending.done()):
            _stop(self._pool)
            self._pool = None


_make = None
_task = None


def _pool(workers: int) -> ProcessPoolExecutor:
    # With "fork" the executor starts all its workers at the first task, while _make or _task is set.
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_die_with_parent)


def _submit(pool: ProcessPoolExecutor, *task) -> Future:
    """``pool.submit(*task)``; a worker that died before it (while the first chunks were handed out)
    is ``WorkerLost`` too, not an exception of the pool's own."""
    try:
        return pool.submit(*task)
    except BrokenProcessPool as lost:
        raise WorkerLost() from lost


def _answer(future: Future):
    try:
        return future.result()
    except BrokenProcessPool as lost:
        raise WorkerLost() from lost


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now, busy or not (Python before 3.14 has no ``terminate_workers``)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _make_chunk(items: list) -> list:
    made = [_make(item) for item in items]
    flush_all()  # a worker is stopped, not ended: what it made is written before it answers
    return made


def _run_task():
    work, args, _ = _task
    try:
        return work(*args)
    finally:
        flush_all()


def _run_then():
    try:
        _task[2]()
    finally:
        flush_all()


def _die_with_parent() -> None:
    """A worker must not outlive a killed build (Linux: the parent's death kills it)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
