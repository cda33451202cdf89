"""Small factories for test data. Each call makes unique rows."""

from __future__ import annotations

import datetime as dt
import itertools

from expo.accounts.models import EventRole, Role, User
from expo.events.models import Event, EventDay, EventStatus
from expo.security import hash_password

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)
_HASH = hash_password(PASSWORD)  # hashing once keeps the suite fast


async def make_user(*, email: str | None = None, name: str | None = None,
                    superuser: bool = False, event: Event | None = None,
                    role: Role | None = None) -> User:
    n = next(_seq)
    user = await User.create(email=email or f"user{n}@example.id", name=name or f"User {n}",
                             password_hash=_HASH, is_superuser=superuser)
    if event is not None and role is not None:
        await EventRole.create(event=event, user=user, role=role)
    return user


async def make_event(*, slug: str | None = None, status: EventStatus = EventStatus.PUBLISHED,
                     starts_on: dt.date | None = None, days: int = 2,
                     opens: str = "09:00", closes: str = "21:00",
                     timezone: str = "Asia/Makassar") -> Event:
    n = next(_seq)
    start = starts_on or dt.date.today() + dt.timedelta(days=30)
    event = await Event.create(slug=slug or f"event-{n}", name=f"Pameran UMKM {n}",
                               venue="GOR Segiri", city="Samarinda", timezone=timezone,
                               starts_on=start, ends_on=start + dt.timedelta(days=days - 1),
                               status=status)
    for i in range(days):
        await EventDay.create(event=event, date=start + dt.timedelta(days=i),
                              opens_at=opens, closes_at=closes)
    return event
