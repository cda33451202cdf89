from expo.accounts.models import Role
from expo.audit.service import PAGE_SIZE, log_action
from tests.factories import PASSWORD, make_event, make_user


async def test_committee_reads_audit_log_filtered_and_paged(client, db):
    event, other = await make_event(), await make_event()
    boss = await make_user(event=event, role=Role.COMMITTEE)
    for i in range(PAGE_SIZE + 3):
        await log_action(action="expo.test.thing", actor=boss, event=event, summary=f"n{i}")
    await log_action(action="expo.other.secret", actor=boss, event=other, summary="elsewhere")
    await client.login(boss.email, PASSWORD)
    first = await client.get(f"/manage/e/{event.slug}/audit?action=expo.test")
    assert first.status_code == 200
    assert f"n{PAGE_SIZE + 2}" in first.text and "elsewhere" not in first.text
    second = await client.get(f"/manage/e/{event.slug}/audit?action=expo.test&page=2")
    assert "n0" in second.text
    junk = await client.get(f"/manage/e/{event.slug}/audit?page=abc")
    assert junk.status_code == 200


async def test_audit_log_is_committee_only(client, db):
    event = await make_event()
    curator = await make_user(event=event, role=Role.CURATOR)
    await client.login(curator.email, PASSWORD)
    assert (await client.get(f"/manage/e/{event.slug}/audit")).status_code == 403


async def test_audit_page_number_beyond_any_offset_is_a_page_not_a_500(client, db):
    event = await make_event()
    boss = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(boss.email, PASSWORD)
    page = await client.get(f"/manage/e/{event.slug}/audit?page=99999999999999999999")
    assert page.status_code == 200
