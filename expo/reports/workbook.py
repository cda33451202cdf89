"""The event report workbook: a summary sheet and one sheet per domain, streamed from the
database in chunks and rendered by ``expo.xlsx`` (write-only) in a worker thread.

It runs in the export worker process (``expo.reports.jobs``), never in the web server: the
rows' formatting and the XML are pure Python, and a thread of the server would hold the GIL
against the gate's scans.

Each big sheet is a ``Source`` (``expo.reports.source``): columns, a row count and a
``fetch(after_id, limit)`` that returns the next chunk (the row id first). The writer thread
pulls chunks through a ``LoopBridge`` from the event loop that owns the database connection,
so memory stays flat. This module is the top of the workbook's modules: it imports the sheets
(``summary``, ``sheets``), and none of them imports it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import datetime as dt
import functools
import threading
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from expo.events.models import Event
from expo.i18n import gettext as _
from expo.reports import payment_sheets, sheets, summary
from expo.reports.source import Source
from expo.xlsx import Sheet, stream_workbook

CHUNK = 5000
Progress = Callable[[int, int, str], Awaitable[None]]


class LoopBridge:
    """Runs coroutines on ``loop`` (in ``context``) from a worker thread and waits for them."""

    def __init__(self, loop: asyncio.AbstractEventLoop, context: contextvars.Context):
        self.loop, self.context = loop, context
        self.cancelled = threading.Event()  # the build was cancelled: the thread stops

    def run(self, factory: Callable[[], Awaitable[Any]]) -> Any:
        if self.cancelled.is_set():
            raise RuntimeError("the workbook build was cancelled")
        result: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def start() -> None:
            task = self.loop.create_task(_wrap(factory), context=self.context)

            def done(t: asyncio.Task[Any]) -> None:
                if t.cancelled():
                    result.cancel()
                elif t.exception() is not None:
                    result.set_exception(t.exception())  # type: ignore[arg-type]
                else:
                    result.set_result(t.result())

            task.add_done_callback(done)

        self.loop.call_soon_threadsafe(start)
        return result.result()


async def _wrap(factory: Callable[[], Awaitable[Any]]) -> Any:
    return await factory()


class _Counter:
    def __init__(self, total: int, progress: Progress | None, bridge: LoopBridge):
        self.total, self.done, self.progress, self.bridge = max(total, 1), 0, progress, bridge

    def add(self, n: int, stage: str) -> None:
        self.done += n
        if self.progress is not None:
            progress, done, total = self.progress, self.done, self.total
            self.bridge.run(lambda: progress(done, total, stage))


def _stream(source: Source, bridge: LoopBridge, counter: _Counter) -> Iterator[Sequence[Any]]:
    after = 0
    while True:
        chunk = bridge.run(functools.partial(source.fetch, after, CHUNK))
        if not chunk:
            return
        for row in chunk:
            yield row[1:]
        after = chunk[-1][0]
        counter.add(len(chunk), source.title)
        if len(chunk) < CHUNK:
            return


async def build_event_workbook(*, event: Event, target: Path | str,
                               progress: Progress | None = None) -> int:
    """Write the event workbook to ``target``; returns the number of data rows written."""
    summary_sheet = await summary.summary_sheet(event)
    sources = await sheets.sources(event) + await payment_sheets.sources(event)
    total = sum([await s.count() for s in sources])
    bridge = LoopBridge(asyncio.get_running_loop(), contextvars.copy_context())
    counter = _Counter(total, progress, bridge)

    def write() -> None:
        pages = [summary_sheet] + [
            Sheet(s.title, s.columns, _stream(s, bridge, counter), notes=list(s.notes))
            for s in sources]
        stream_workbook(pages, str(target), title=event.name)

    try:
        await asyncio.to_thread(write)
    except asyncio.CancelledError:
        bridge.cancelled.set()
        raise
    return counter.done


def file_name(event: Event, now: dt.datetime | None = None) -> str:
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
    return f"{event.slug}-{_('report')}-{stamp}.xlsx"


__all__ = ["LoopBridge", "build_event_workbook", "file_name"]
