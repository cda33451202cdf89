"""Seed an event for the deployment tests, in its own process (its own Tortoise), on a
database that ``expo migrate`` made: ``python -m tests.deploy_seed VISITORS`` with
EXPO_DATABASE_URL and EXPO_SECRET_KEY set; prints the ticket codes and a gate's device token
as JSON. Like bench/bench_scans.py's ``prepare``, kept apart so the bench may change freely."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
import uuid

from tortoise import Tortoise

from expo.accounts.models import EventRole, Role, User
from expo.db import tortoise_config
from expo.events.models import Event, EventDay
from expo.security import hash_password
from expo.settings import Settings
from expo.visitors import codes, keys, service
from expo.visitors.models import GateRules, Visitor

SLUG = "bench"
EMAIL, PASSWORD = "bench@expo.test", "bench-password-123"


async def seed(visitors: int) -> tuple[list[str], str]:
    settings = Settings.from_env()
    await Tortoise.init(config=tortoise_config(settings.database_url))
    try:
        today = dt.date.today()
        event = await Event.create(slug=SLUG, name="Bench", venue="GOR", starts_on=today,
                                   ends_on=today, status="published", timezone="UTC")
        await EventDay.create(event=event, date=today, opens_at="00:00", closes_at="23:59")
        await GateRules.create(event=event, enforce_hours=False, reentry=False)
        gate = await service.create_gate(event=event, name="Pintu Utama", by=None)
        _device, plain = await service.create_device_token(event=event, gate=gate, by=None)
        user = await User.create(email=EMAIL, name="Bench", password_hash=hash_password(PASSWORD))
        await EventRole.create(event=event, user=user, role=Role.COMMITTEE)
        signer = await keys.keyring(event_id=event.id, settings=settings)
        await Visitor.bulk_create(
            [Visitor(event=event, ticket_key=codes.new_ticket_key(), link_token=uuid.uuid4().hex,
                     name=f"Pengunjung {i}", type="umum") for i in range(visitors)])
        ticket_keys = await Visitor.filter(event=event).order_by("id").values_list(
            "ticket_key", flat=True)
        return [codes.make_code(signer=signer, event_id=event.id, key=str(key))
                for key in ticket_keys], plain
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(int(sys.argv[1])))))
