"""Helpers for the visitors tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from expo.events.models import Event
from expo.visitors import codes, service
from expo.visitors.forms import VisitorData
from expo.visitors.models import Visitor, VisitorType
from tests.conftest import TEST_SECRET

# The legacy key: ``code_of`` makes codes in the format issued before per-event keys, which
# the app still accepts (tests/visitors/test_keys.py covers the event keys themselves).
SIGNER = codes.signer_for(TEST_SECRET)
START = dt.date(2027, 4, 20)


def local(day: dt.date, hhmm: str, tz: str = "Asia/Makassar") -> dt.datetime:
    """An aware UTC datetime for a wall-clock time at the event."""
    naive = dt.datetime.combine(day, dt.time.fromisoformat(hhmm))
    return naive.replace(tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)


async def make_visitor(event: Event, name: str = "Siti Rahmawati", **kw: object) -> Visitor:
    data = VisitorData(name=name, phone=str(kw.pop("phone", "+6281234567890")),
                       type=VisitorType(str(kw.pop("type", "umum"))),
                       kabupaten="Kota Samarinda", consent_share=bool(kw.pop("consent", False)))
    return await service.register_visitor(event=event, data=data)


def code_of(visitor: Visitor) -> str:
    return service.ticket_code(visitor=visitor, signer=SIGNER)
