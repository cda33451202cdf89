"""The exhibitor's side: their booth, confirm or release it (a released booth goes to the
waitlist in priority order), ranked preferences, and self-selection in priority time slots."""

from __future__ import annotations

import datetime as dt

from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, found
from expo.events.models import Event
from expo.exhibitors.models import Application
from expo.i18n import gettext as _

from . import engine
from . import notify as notices
from .allocation import (
    booth_input,
    engine_inputs,
    policy_for,
    published_run,
    zone_rules,
)
from .models import AllocationMode, Booth, BoothPreference, BoothStatus, RunOutcome
from .service import bump_plan_version, claim_booth, free_booth
from .signals import BoothConfirmed, BoothReleased, booth_confirmed, booth_released

MAX_PREFERENCES = 5


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def booths_held(application: Application) -> list[Booth]:
    return await Booth.filter(holder_id=application.id).select_related("hall")


async def _own_booth(application: Application, booth_id: int) -> Booth:
    return found(await Booth.get_or_none(id=booth_id, holder_id=application.id),
                 _("This booth is not yours."))


async def confirm(*, application: Application, booth_id: int, by: User) -> Booth:
    async with atomic():
        booth = await _own_booth(application, booth_id)
        # The map draws a confirmed booth as such; the event's row first, as everywhere.
        await bump_plan_version(booth.event_id)  # type: ignore[attr-defined]
        changed = await Booth.filter(id=booth.id, holder_id=application.id,
                                     confirmed_at=None).update(confirmed_at=_now())
        if not changed:
            return booth
        await booth_confirmed.send(BoothConfirmed(
            event_id=booth.event_id,  # type: ignore[attr-defined]
            application_id=application.id, booth_id=booth.id,
            by_id=by.id))
        await log_action(action="expo.booth.confirmed", actor=by, event=await booth.event,
                         obj=booth, summary=f"Booth {booth.code} confirmed by application "
                                            f"{application.id}")
        return booth


async def release(*, application: Application, booth_id: int,
                  by: User | None) -> Application | None:
    """Give the booth up; it is offered to the first waitlisted exhibitor that fits it."""
    booth = await _own_booth(application, booth_id)
    if not await free_booth(booth_id=booth.id, application_id=application.id):
        raise DomainError(_("This booth was already released."), "not_held", status_code=409)
    event = await booth.event
    await log_action(action="expo.booth.released", actor=by, event=event, obj=booth,
                     summary=f"Booth {booth.code} released by application {application.id}")
    await notices.one_booth_released(application=application, booth=booth, event=event)
    await booth_released.send(BoothReleased(event_id=event.id, application_id=application.id,
                                            booth_id=booth.id,
                                            by_id=by.id if by else None))
    return await promote_waitlist(event=event, booth=await Booth.get(id=booth.id), by=by)


async def promote_waitlist(*, event: Event, booth: Booth, by: User | None) -> Application | None:
    """Offer ``booth`` to the first waitlisted application (priority order) that fits it."""
    async with atomic():
        run = await published_run(event)
        if run is None or booth.status != BoothStatus.AVAILABLE:
            return None
        policy = await policy_for(event)
        _booths, applicants, apps = await engine_inputs(event, policy)
        by_id = {a.id: a for a in applicants}
        rules = engine.Rules(zone_rules=zone_rules(policy))
        target = booth_input(booth)
        holding = set(await Booth.filter(event=event, holder_id__not_isnull=True)
                      .values_list("holder_id", flat=True))
        waiting = await RunOutcome.filter(run=run, waitlist_position__not_isnull=True).order_by(
            "waitlist_position")
        for outcome in waiting:
            app_in = by_id.get(outcome.application_id)  # type: ignore[attr-defined]
            if app_in is None or app_in.id in holding or app_in.count != 1:
                continue
            if engine.why_not(app_in, target, rules) is None:
                await claim_booth(booth_id=booth.id, application_id=app_in.id)
                outcome.waitlist_position = None
                outcome.reasons = [["promoted", {"booth": booth.code}]]
                await outcome.save()
                await log_action(action="expo.booth.assigned", actor=by, event=event, obj=booth,
                                 summary=f"Booth {booth.code} offered to waitlisted application "
                                         f"{app_in.id}")
                await notices.one_booth_assigned(application=apps[app_in.id], booth=booth,
                                                 event=event)
                return apps[app_in.id]
        return None


# -- preferences --------------------------------------------------------------------------------


async def preferences_of(application: Application) -> list[BoothPreference]:
    return await BoothPreference.filter(application=application).select_related("booth")


async def set_preferences(*, application: Application, choices: list[str], by: User) -> None:
    """Ranked choices, each a booth code or ``zone:<name>``; blanks are skipped."""
    async with atomic():
        event = await application.event
        if not (await policy_for(event)).preferences_open:
            raise DomainError(_("Booth preferences are not open yet."), "preferences_closed",
                              status_code=409)
        picks = [c.strip() for c in choices if c.strip()][:MAX_PREFERENCES]
        if len(set(picks)) != len(picks):
            raise DomainError(_("Each choice may appear only once."), "duplicate_choice")
        rows = []
        for rank, pick in enumerate(picks, start=1):
            if pick.startswith("zone:"):
                rows.append(BoothPreference(application=application, rank=rank, zone=pick[5:]))
                continue
            booth = await Booth.get_or_none(event=event, code=pick)
            if booth is None:
                raise DomainError(_("There is no booth %(code)s.", code=pick), "unknown_booth")
            rows.append(BoothPreference(application=application, rank=rank, booth=booth))
        await BoothPreference.filter(application=application).delete()
        await BoothPreference.bulk_create(rows)
        await log_action(action="expo.booth.preferences_set", actor=by, event=event,
                         obj=application, summary=", ".join(picks)[:300])


# -- self-selection -------------------------------------------------------------------------------


async def selection_slots(event: Event) -> dict[int, dt.datetime]:
    """When each accepted application may pick: by priority, ``slot_size`` per slot."""
    policy = await policy_for(event)
    if policy.mode != AllocationMode.SELF or policy.selection_opens_at is None:
        return {}
    _booths, applicants, _apps = await engine_inputs(event, policy)
    draws = engine.lottery(applicants, event.id)
    order = sorted(applicants, key=lambda a: (-a.priority, -draws[a.id], a.id))
    size = max(1, policy.slot_size)
    step = dt.timedelta(minutes=policy.slot_minutes)
    return {a.id: policy.selection_opens_at + step * (i // size) for i, a in enumerate(order)}


async def pick_booth(*, application: Application, booth_id: int, by: User,
                     now: dt.datetime | None = None) -> Booth:
    event = await application.event
    slots = await selection_slots(event)
    if application.id not in slots:
        raise DomainError(_("Booths are not chosen by exhibitors at this event."),
                          "selection_closed", status_code=409)
    now = now or _now()
    if now < slots[application.id]:
        raise DomainError(_("Your time slot has not started yet."), "slot_not_open",
                          status_code=409)
    if await Booth.filter(holder_id=application.id).exists():
        raise DomainError(_("You already hold a booth. Release it first."), "already_holding",
                          status_code=409)
    booth = found(await Booth.get_or_none(id=booth_id, event=event),
                  _("This booth does not exist."))
    policy = await policy_for(event)
    _b, applicants, _a = await engine_inputs(event, policy)
    me = next(a for a in applicants if a.id == application.id)
    need = engine.why_not(me, booth_input(booth), engine.Rules(zone_rules=zone_rules(policy)))
    if need:
        raise DomainError(_("This booth does not meet your needs (%(need)s).", need=need),
                          "booth_unfit")
    await claim_booth(booth_id=booth.id, application_id=application.id)
    await log_action(action="expo.booth.assigned", actor=by, event=event, obj=booth,
                     summary=f"Booth {booth.code} picked by application {application.id}")
    await notices.one_booth_assigned(application=application, booth=booth, event=event)
    return booth
