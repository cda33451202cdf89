"""The event report workbook: a summary sheet and one sheet per domain, streamed from the
database in chunks and rendered by ``expo.xlsx`` (write-only) in a worker thread.

It runs in the export worker process (``expo.reports.jobs``), never in the web server: the
rows' formatting and the XML are pure Python, and a thread of the server would hold the GIL
against the gate's scans.

Each big sheet is a ``Source``: columns, a row count and a ``fetch(after_id, limit)`` that
returns the next chunk (the row id first). The writer thread pulls chunks through a
``LoopBridge`` from the event loop that owns the database connection, so memory stays flat.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import datetime as dt
import functools
import threading
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from expo.events.models import Event
from expo.i18n import gettext as _
from expo.reports import leads_source, summary
from expo.xlsx import Column, Sheet, stream_workbook

CHUNK = 5000
Progress = Callable[[int, int, str], Awaitable[None]]
Fetch = Callable[[int, int], Awaitable[list[tuple[Any, ...]]]]


@dataclass
class Source:
    title: str
    columns: Sequence[Column]
    count: Callable[[], Awaitable[int]]
    fetch: Fetch
    notes: Sequence[str] = ()


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


def local(at: dt.datetime | None, tz: ZoneInfo) -> dt.datetime | None:
    """An aware datetime as the event's naive wall-clock time (Excel has no time zones)."""
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(tz).replace(tzinfo=None)


def when(value: Any) -> dt.datetime | None:
    """A datetime from a raw SQL row (SQLite returns text, PostgreSQL a datetime)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


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


async def event_sources(event: Event) -> list[Source]:
    from expo.reports import sheets  # the sheet definitions (imports every domain's models)

    return await sheets.sources(event)


async def build_event_workbook(*, event: Event, target: Path | str,
                               progress: Progress | None = None) -> int:
    """Write the event workbook to ``target``; returns the number of data rows written."""
    summary_sheet = await summary.summary_sheet(event)
    sources = await event_sources(event)
    total = sum([await s.count() for s in sources])
    bridge = LoopBridge(asyncio.get_running_loop(), contextvars.copy_context())
    counter = _Counter(total, progress, bridge)

    def write() -> None:
        sheets = [summary_sheet] + [
            Sheet(s.title, s.columns, _stream(s, bridge, counter), notes=list(s.notes))
            for s in sources]
        stream_workbook(sheets, str(target), title=event.name)

    try:
        await asyncio.to_thread(write)
    except asyncio.CancelledError:
        bridge.cancelled.set()
        raise
    return counter.done


def file_name(event: Event, now: dt.datetime | None = None) -> str:
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
    return f"{event.slug}-{_('report')}-{stamp}.xlsx"


__all__ = ["Source", "LoopBridge", "build_event_workbook", "leads_source", "local", "file_name"]
