"""Sales-report reminders: on each day of a running event, from 16:00 at the event (its time
zone), every accepted exhibitor that has not reported the day's sales is reminded once, by
WhatsApp and email, with a link to its sales page.

The worker queues ``reports.sales_reminders`` every hour; each run reminds whoever is still
missing, keyed per event, producer and day, so that later runs (and a second worker) send
nothing twice. A producer the committee reminded by hand that day (the sales page's button,
``expo.sales.reminded`` in the audit log) is not reminded again. ``now`` in the job's payload
(ISO 8601, with its offset) stands in for the clock.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from expo import i18n
from expo.audit.models import AuditEntry
from expo.db import atomic
from expo.events.models import Event, EventDay, EventStatus
from expo.exhibitors.models import Application, AppStatus, Producer
from expo.exhibitors.notify import Notice, tell
from expo.i18n import gettext as _
from expo.jobs import queue, worker
from expo.outbox import OutboxMessage
from expo.reports.models import SalesReport

log = logging.getLogger("expo.reports")

KIND = "reports.sales_reminders"
REMIND_FROM = dt.time(16, 0)  # local time at the event

worker.every(KIND, 3600)


@queue.handler(KIND, max_attempts=3, backoff=300.0, timeout=900.0)
async def sales_reminders(job: queue.RunningJob) -> None:
    raw = job.payload.get("now")
    now = dt.datetime.fromisoformat(str(raw)) if raw else dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise queue.Permanent(f"'now' needs a UTC offset: {raw!r}")
    sent = await remind_all(now=now)
    if sent:
        log.info("reminded %s exhibitors to report their sales", sent)


async def remind_all(*, now: dt.datetime) -> int:
    """Remind the exhibitors of every event running at ``now``; returns how many."""
    utc_day = now.astimezone(dt.UTC).date()
    one = dt.timedelta(days=1)
    events = await Event.filter(status=EventStatus.PUBLISHED, starts_on__lte=utc_day + one,
                                ends_on__gte=utc_day - one).order_by("id")
    total = 0
    for event in events:
        total += await remind_event(event=event, now=now)
    return total


def local_now(event: Event, now: dt.datetime) -> dt.datetime:
    try:
        zone = ZoneInfo(event.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(i18n.DEFAULT_TIMEZONE)
    return now.astimezone(zone)


async def remind_event(*, event: Event, now: dt.datetime) -> int:
    """Remind this event's missing exhibitors, if ``now`` is an event day from 16:00 there."""
    local = local_now(event, now)
    day = local.date()
    if local.time() < REMIND_FROM or not await EventDay.exists(event=event, date=day):
        return 0
    missing = await unreported(event=event, day=day)
    for producer in missing:
        async with atomic():  # one producer at a time: a big event holds no lock for long
            await remind(event=event, producer=producer, day=day)
    return len(missing)


async def unreported(*, event: Event, day: dt.date) -> list[Producer]:
    """Accepted exhibitors without a report for ``day`` and not reminded by hand that day."""
    accepted = set(await Application.filter(event=event, status=AppStatus.ACCEPTED).values_list(
        "producer_id", flat=True))
    reported = set(await SalesReport.filter(event=event, day=day, rehearsal=False).values_list(
        "producer_id", flat=True))
    by_hand: set[int] = set()
    for data in await AuditEntry.filter(event=event, action="expo.sales.reminded").values_list(
            "data", flat=True):
        if isinstance(data, dict) and data.get("day") == day.isoformat():
            by_hand.update(int(p) for p in data.get("producers") or ())
    ids = accepted - reported - by_hand
    return await Producer.filter(id__in=list(ids)).order_by("id") if ids else []


async def remind(*, event: Event, producer: Producer, day: dt.date) -> list[OutboxMessage]:
    """One reminder (once per event, producer and day)."""
    def compose() -> Notice:
        shown = i18n.format_date(day, "long")
        return Notice(_("Report your sales of %(day)s", day=shown),
                      _("Please report today's sales at %(event)s (omzet and units sold). It "
                        "takes a minute on your phone.", event=event.name))

    return await tell(producer=producer, kind="reports.sales_reminder",
                      key=f"reports.sales_reminder:{event.id}:{producer.id}:{day.isoformat()}",
                      event_id=event.id,
                      path=f"/manage/e/{event.slug}/my-sales?day={day.isoformat()}",
                      compose=compose)
