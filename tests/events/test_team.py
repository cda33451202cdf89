import pytest

from expo.accounts.models import Role
from expo.audit.models import AuditEntry
from expo.errors import DomainError
from expo.events import team
from expo.outbox import OutboxMessage
from tests.factories import make_event, make_user


async def test_roles_are_per_event_and_superuser_has_all(db):
    a, b = await make_event(), await make_event()
    user = await make_user(event=a, role=Role.GATE)
    assert await team.roles_for(user, a) == {Role.GATE}
    assert await team.roles_for(user, b) == set()
    admin = await make_user(superuser=True)
    assert await team.roles_for(admin, b) == set(Role)
    assert await team.roles_for(None, a) == set()


async def test_invite_creates_account_with_link_and_audits(db, settings):
    event = await make_event()
    boss = await make_user(event=event, role=Role.COMMITTEE)
    user = await team.invite(settings=settings, event=event, email="kurator@x.id", name="Kur",
                                role=Role.CURATOR, by=boss, link_base="http://x/password/reset")
    assert await team.roles_for(user, event) == {Role.CURATOR}
    assert user.password_hash == ""
    mail = await OutboxMessage.get(to="kurator@x.id")
    assert "token=" in mail.body and event.name in mail.subject
    assert await AuditEntry.exists(action="expo.role.granted", event=event, actor=boss)


async def test_revoke_role_refuses_own_committee_role(db):
    event = await make_event()
    boss = await make_user(event=event, role=Role.COMMITTEE)
    with pytest.raises(DomainError) as err:
        await team.revoke_role(event=event, user_id=boss.id, role=Role.COMMITTEE, by=boss)
    assert err.value.code == "own_role"
    gate = await make_user(event=event, role=Role.GATE)
    await team.revoke_role(event=event, user_id=gate.id, role=Role.GATE, by=boss)
    assert await team.roles_for(gate, event) == set()
    outsider = await make_user()
    with pytest.raises(DomainError) as err:
        await team.revoke_role(event=event, user_id=outsider.id, role=Role.GATE, by=boss)
    assert err.value.code == "not_found"
