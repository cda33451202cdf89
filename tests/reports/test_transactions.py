"""Check, write and audit in one transaction: a report service whose audit entry cannot be
written leaves nothing behind."""

from __future__ import annotations

import pytest
from tortoise.exceptions import IntegrityError

from expo.accounts.models import User
from expo.audit.models import AuditEntry
from expo.exhibitors.models import InboxMessage
from expo.outbox import OutboxMessage
from expo.reports import service
from tests.factories import make_event, make_user
from tests.reports.factories import make_exhibitor


async def test_reminders_whose_audit_entry_fails_leave_no_message(db, settings):
    event = await make_event()
    _user, producer = await make_exhibitor(event)
    gone = await make_user()  # the account is deleted before the entry naming it is written
    await User.filter(id=gone.id).delete()
    with pytest.raises(IntegrityError):
        await service.send_reminders(event=event, day=event.starts_on, settings=settings,
                                     by=gone)
    assert await InboxMessage.filter(producer=producer).count() == 0
    assert await OutboxMessage.filter(to=producer.email).count() == 0
    assert not await AuditEntry.exists(action="expo.sales.reminded")
