"""Heavy work off the event loop.

The gate's scans share one event loop with every page. Anything that scans many rows in
Python, parses a workbook or renders a large drawing must not run on it:

- ``in_process(fn, *args)`` runs a CPU-bound, module-level function in a small pool of
  worker processes (its own interpreter, so it holds no lock the loop needs: the GIL stays
  with the scans). Arguments and results are pickled: pass bytes and plain data, not models.
  The caller's language goes along, so a ``DomainError`` raised there reads as it would here.
- ``in_thread(fn, *args)`` runs blocking I/O (a file copy, a socket) in a thread.

The pool starts on first use (``spawn``: forking a process that runs threads and an event
loop is unsafe) and is shut down with the app (``shutdown()``) or at exit.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from expo import i18n

T = TypeVar("T")

_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()


def _workers() -> int:
    raw = os.environ.get("EXPO_OFFLOAD_WORKERS", "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return 1  # one core for heavy work, the other for the loop (2-core machines)


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=_workers(),
                                        mp_context=multiprocessing.get_context("spawn"))
        return _pool


async def in_process(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` in a worker process; its exception is raised here."""
    global _pool
    loop = asyncio.get_running_loop()
    call = functools.partial(_in_locale, i18n.get_locale(), functools.partial(fn, *args, **kwargs))
    try:
        return await loop.run_in_executor(_executor(), call)
    except BrokenProcessPool:
        # A worker died (killed, out of memory): start a new pool for the next caller and
        # fail this call only.
        with _lock:
            _pool = None
        raise


def _in_locale(locale: str, call: Callable[[], T]) -> T:
    token = i18n.set_locale(locale)
    try:
        return call()
    finally:
        i18n.reset_locale(token)


async def in_thread(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(fn, *args, **kwargs)


def shutdown() -> None:
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)
