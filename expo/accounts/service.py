"""Accounts: sign-in with throttling, passwords, one-time links (the event team is
``expo.events.team``)."""

from __future__ import annotations

import datetime as dt

from tortoise.exceptions import IntegrityError

from expo import mail, security
from expo.accounts import sessions, throttle
from expo.accounts.models import PasswordToken, User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, Forbidden, found
from expo.forms import EMAIL_RE
from expo.i18n import gettext as _
from expo.jobs import queue
from expo.jobs.models import Job
from expo.offload import in_thread
from expo.outbox import OutboxMessage
from expo.security import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    new_token,
    token_digest,
    verify_password,
)
from expo.settings import Settings

MAX_FAILURES = 5  # per account: then the account is locked (and a reset link still works)
IP_MAX_FAILURES = 100  # per address: a venue's NAT holds the committee and the gate staff
THROTTLE_WINDOW = dt.timedelta(minutes=15)
LOCK_TIME = dt.timedelta(minutes=15)
ACCOUNT_RULE = throttle.Rule(MAX_FAILURES, THROTTLE_WINDOW, LOCK_TIME)
ADDRESS_RULE = throttle.Rule(IP_MAX_FAILURES, THROTTLE_WINDOW, LOCK_TIME)
RESET_TTL = dt.timedelta(hours=2)
INVITE_TTL = dt.timedelta(days=14)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def check_password_strength(password: str, *, email: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_("The password needs at least %(n)s characters.",
                            n=MIN_PASSWORD_LENGTH), "weak_password")
    if email and password.lower() == email.lower():
        raise DomainError(_("The password must not be your email address."), "weak_password")


async def create_user(*, email: str, name: str, password: str | None = None,
                      is_superuser: bool = False, locale: str = "id",
                      password_hash: str | None = None) -> User:
    """A new account; ``password_hash`` instead of ``password`` reuses a hash made once
    (the demo's accounts share their published password)."""
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise DomainError(_("Enter a valid email address."), "invalid_email")
    if not name.strip():
        raise DomainError(_("A name is required."), "name_required")
    if password is not None:
        check_password_strength(password, email=email)
    if password_hash is None:
        password_hash = await in_thread(hash_password, password) if password else ""
    try:
        return await User.create(
            email=email, name=name.strip(), is_superuser=is_superuser, locale=locale,
            password_hash=password_hash,
        )
    except IntegrityError:
        raise DomainError(_("An account with this email already exists."), "email_taken") from None


# ---- sign-in ------------------------------------------------------------------------------

def _minutes_left(locked_until: dt.datetime | None, now: dt.datetime) -> int:
    left = (locked_until - now) if locked_until is not None else LOCK_TIME
    return max(1, int(left.total_seconds() // 60) + 1)


async def authenticate(*, email: str, password: str, client_ip: str) -> User:
    """Return the user or raise ``login_failed`` / ``login_throttled`` (429).

    An attempt is reserved on the address and on the account before the password is
    verified (see ``expo.accounts.throttle``): of parallel guesses at one account at most
    ``MAX_FAILURES`` are verified. A success clears the account's count and gives the
    address its attempt back.
    """
    email = email.strip().lower()
    now = _now()
    account_key, address_key = f"email:{email}", f"ip:{client_ip}"
    address = await throttle.reserve(address_key, ADDRESS_RULE, now=now)
    if not address.allowed:
        raise DomainError(_("Too many failed sign-ins from this network. Try again in %(n)s "
                            "minutes.", n=_minutes_left(address.locked_until, now)),
                          "login_throttled", status_code=429)
    account = await throttle.reserve(account_key, ACCOUNT_RULE, now=now)
    if not account.allowed:
        await throttle.release(address_key, ADDRESS_RULE)  # nothing was tried from there
        raise DomainError(_("Too many failed sign-ins. Try again in %(n)s minutes or reset "
                            "your password.", n=_minutes_left(account.locked_until, now)),
                          "login_throttled", status_code=429)
    user = await User.get_or_none(email=email)
    # Argon2 costs ~0.2 s of CPU: in a thread (the binding releases the GIL), never on the
    # loop that answers the gates.
    ok = await in_thread(verify_password, user.password_hash if user and user.password_hash
                         else security.DUMMY_HASH, password)
    if not ok or user is None or not user.is_active:
        raise DomainError(_("Wrong email or password."), "login_failed", status_code=400)
    await throttle.clear(account_key)
    await throttle.release(address_key, ADDRESS_RULE)
    user.last_login_at = now
    fields = ["last_login_at"]
    if needs_rehash(user.password_hash):
        user.password_hash = await in_thread(hash_password, password)
        fields.append("password_hash")
    await user.save(update_fields=fields)
    return user


async def change_password(*, user: User, current: str, new: str) -> None:
    if not await in_thread(verify_password, user.password_hash, current):
        raise DomainError(_("The current password is wrong."), "wrong_password", status_code=400)
    check_password_strength(new, email=user.email)
    user.password_hash = await in_thread(hash_password, new)
    async with atomic():
        await user.save(update_fields=["password_hash"])
        ended = await sessions.revoke_sessions(user=user)  # the caller starts a fresh one
        await log_action(action="expo.user.password_changed", actor=user, obj=user,
                         data={"sessions_ended": ended})


# ---- one-time links -----------------------------------------------------------------------

async def create_password_token(*, user: User, purpose: str = "reset",
                                ttl: dt.timedelta = RESET_TTL) -> str:
    token = new_token()
    await PasswordToken.create(user=user, digest=token_digest(token), purpose=purpose,
                               expires_at=_now() + ttl)
    return token


async def request_password_reset(*, settings: Settings, email: str, link_base: str) -> None:
    """Send a reset link if the account exists; say nothing either way (no account probing)."""
    user = await User.get_or_none(email=email.strip().lower(), is_active=True)
    if user is None:
        return
    token = await create_password_token(user=user)
    link = f"{link_base}?token={token}"
    await mail.send_mail(
        settings, to=user.email, subject=_("Reset your expo password"),
        body=_("Hello %(name)s,\n\nOpen this link within 2 hours to choose a new password:\n"
               "%(link)s\n\nIf you did not ask for this, ignore this message.",
               name=user.name, link=link))


async def token_user(token: str) -> User:
    row = await PasswordToken.get_or_none(digest=token_digest(token)).select_related("user")
    if row is None or row.used_at is not None or row.expires_at < _now():
        raise DomainError(_("This link is invalid or has expired. Ask for a new one."),
                          "token_invalid", status_code=400)
    return row.user  # type: ignore[no-any-return]


async def set_password_with_token(*, token: str, password: str) -> User:
    async with atomic():
        user = await token_user(token)
        check_password_strength(password, email=user.email)
        used = await PasswordToken.filter(digest=token_digest(token), used_at=None).update(
            used_at=_now())
        if used != 1:
            raise DomainError(_("This link is invalid or has expired. Ask for a new one."),
                              "token_invalid", status_code=400)
        user.password_hash = await in_thread(hash_password, password)
        await user.save(update_fields=["password_hash"])
        ended = await sessions.revoke_sessions(user=user)
        await log_action(action="expo.user.password_reset", actor=user, obj=user,
                         data={"sessions_ended": ended})
    return user


async def deactivate_user(*, user: User, by: User) -> None:
    """A superuser closes an account: it cannot sign in, and its sessions end now."""
    if not by.is_superuser:
        raise Forbidden()
    if user.id == by.id:
        raise DomainError(_("You cannot deactivate your own account."), "own_account")
    async with atomic():
        await User.filter(id=user.id).update(is_active=False)
        ended = await sessions.revoke_sessions(user=user)
        await log_action(action="expo.user.deactivated", actor=by, obj=user, summary=user.email,
                         data={"sessions_ended": ended})
    user.is_active = False


OUTBOX_FIELDS = ("id", "channel", "to", "name", "kind", "event_id", "subject", "body", "state",
                 "provider", "provider_id", "attempts", "error", "created_at", "sent_at",
                 "delivered_at", "read_at", "handled_by")  # not the attachments' bytes


async def recent_outbox(limit: int = 100) -> list[OutboxMessage]:
    """The newest messages, for the superuser's outbox page (at most ``limit``)."""
    return await OutboxMessage.all().order_by("-id").limit(limit).only(*OUTBOX_FIELDS)


async def retry_job(*, job_id: int, by: User) -> Job:
    """Make a failed or dead job due again now (its attempts from zero), audited."""
    async with atomic():
        job = found(await Job.get_or_none(id=job_id), _("This job does not exist."),
                    "job_not_found")
        retried = await queue.retry(job.id)
        if retried is None:
            raise DomainError(_("Only a failed or dead job can be retried; this one is %(state)s.",
                                state=job.state.label), "job_not_retryable", status_code=409)
        await log_action(action="expo.job.retried", actor=by, obj=retried,
                         summary=f"{retried.kind} #{retried.id}",
                         data={"kind": retried.kind, "was": job.state.value,
                               "event_id": retried.event_id})
    return retried
