import datetime as dt

import pytest

from expo.accounts import service, sessions
from expo.accounts.models import PasswordToken, User
from expo.errors import DomainError
from expo.outbox import OutboxMessage
from tests.factories import PASSWORD, make_user


async def test_create_user_hashes_with_argon2_and_keeps_no_clear_text(db):
    user = await service.create_user(email=" Ani@Example.ID ", name="Ani", password="rahasia-sekali")
    assert user.email == "ani@example.id"
    assert user.password_hash.startswith("$argon2id$")
    assert "rahasia-sekali" not in user.password_hash
    row = await User.get(id=user.id).values()
    assert all("rahasia-sekali" not in str(v) for v in row.values())


@pytest.mark.parametrize(("email", "password", "code"), [
    ("not-an-email", "long-enough-pw", "invalid_email"),
    ("a@b.id", "short", "weak_password"),
    ("same@b.id", "same@b.id", "weak_password"),
])
async def test_create_user_refuses_bad_input(db, email, password, code):
    with pytest.raises(DomainError) as err:
        await service.create_user(email=email, name="X", password=password)
    assert err.value.code == code


async def test_create_user_refuses_duplicate_email(db):
    await service.create_user(email="a@b.id", name="A", password="long-enough-pw")
    with pytest.raises(DomainError) as err:
        await service.create_user(email="A@B.ID", name="B", password="long-enough-pw")
    assert err.value.code == "email_taken"


async def test_authenticate_accepts_right_password_and_refuses_wrong(db):
    user = await make_user()
    ok = await service.authenticate(email=user.email.upper(), password=PASSWORD, client_ip="1.2.3.4")
    assert ok.id == user.id and ok.last_login_at is not None
    with pytest.raises(DomainError) as err:
        await service.authenticate(email=user.email, password="wrong", client_ip="1.2.3.4")
    assert err.value.code == "login_failed"
    with pytest.raises(DomainError) as err:
        await service.authenticate(email="nobody@x.id", password=PASSWORD, client_ip="1.2.3.4")
    assert err.value.code == "login_failed"


async def test_authenticate_throttles_after_repeated_failures(db):
    user = await make_user()
    for _ in range(service.MAX_FAILURES):
        with pytest.raises(DomainError):
            await service.authenticate(email=user.email, password="nope", client_ip="9.9.9.9")
    with pytest.raises(DomainError) as err:  # even the right password is refused now
        await service.authenticate(email=user.email, password=PASSWORD, client_ip="8.8.8.8")
    assert err.value.code == "login_throttled"
    assert err.value.status_code == 429


async def test_inactive_user_cannot_sign_in(db):
    user = await make_user()
    user.is_active = False
    await user.save()
    with pytest.raises(DomainError) as err:
        await service.authenticate(email=user.email, password=PASSWORD, client_ip="1.1.1.1")
    assert err.value.code == "login_failed"


async def test_change_password_checks_current_and_ends_sessions(db):
    user = await make_user()
    token, _row = await sessions.start_session(user=user)
    with pytest.raises(DomainError) as err:
        await service.change_password(user=user, current="wrong", new="a-new-password")
    assert err.value.code == "wrong_password"
    assert await sessions.active_session(token) is not None
    await service.change_password(user=user, current=PASSWORD, new="a-new-password")
    assert await sessions.active_session(token) is None
    assert (await service.authenticate(email=user.email, password="a-new-password",
                                       client_ip="1.1.1.1")).id == user.id


async def test_reset_link_is_single_use_and_expires(db, settings):
    user = await make_user()
    await service.request_password_reset(settings=settings, email=user.email,
                                         link_base="http://x/password/reset")
    mail = await OutboxMessage.get(to=user.email)
    token = mail.body.split("token=")[1].split()[0]
    assert not await PasswordToken.exists(digest=token)  # only the digest is stored
    await service.set_password_with_token(token=token, password="brand-new-secret")
    with pytest.raises(DomainError) as err:
        await service.set_password_with_token(token=token, password="another-secret-1")
    assert err.value.code == "token_invalid"

    expired = await service.create_password_token(user=user, ttl=dt.timedelta(seconds=-1))
    with pytest.raises(DomainError) as err:
        await service.set_password_with_token(token=expired, password="another-secret-1")
    assert err.value.code == "token_invalid"


async def test_reset_for_unknown_email_sends_nothing(db, settings):
    await service.request_password_reset(settings=settings, email="ghost@x.id", link_base="http://x")
    assert await OutboxMessage.all().count() == 0
