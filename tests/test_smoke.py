from tests.factories import PASSWORD, make_event, make_user


async def test_home_lists_published_event(client, db):
    event = await make_event()
    response = await client.get("/")
    assert response.status_code == 200
    assert event.name in response.text


async def test_login_then_manage(client, db):
    event = await make_event()
    from expo.accounts.models import Role

    user = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    response = await client.get("/manage")
    assert response.status_code == 200
    assert event.name in response.text
