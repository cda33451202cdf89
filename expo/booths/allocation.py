"""Allocation workflow: engine inputs from accepted applications, draft runs, manual moves,
swaps and locks, publishing, and the exhibitor's confirm / release with waitlist promotion."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import cast

from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, NotFound
from expo.events.models import Event
from expo.exhibitors.models import Application, AppStatus
from expo.i18n import gettext as _
from expo.offload import in_thread

from . import engine
from . import notify as notices
from .models import (
    AllocationPolicy,
    AllocationRun,
    Assignment,
    Booth,
    BoothPreference,
    BoothStatus,
    ClusterMode,
    RunOutcome,
    RunStatus,
)
from .service import claim_booth, free_booth


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def policy_for(event: Event) -> AllocationPolicy:
    policy, _created = await AllocationPolicy.get_or_create(event=event)
    return policy


# -- engine inputs ------------------------------------------------------------------------------


async def previous_producers(event: Event) -> set[int]:
    """Producers that held a booth at an earlier event (for the rotation penalty)."""
    query = Booth.filter(event__starts_on__lt=event.starts_on,
                         holder_id__not_isnull=True).values_list("holder__producer_id", flat=True)
    # Tortoise types values_list(flat=True) as rows of tuples; flat, they are the values.
    rows = cast(list[int | None], await query)
    return {r for r in rows if r is not None}


def priority_points(app: Application, policy: AllocationPolicy, *, previous: set[int],
                    window: tuple[dt.datetime, dt.datetime] | None) -> int:
    producer = app.producer
    points = 0.0
    points += policy.smk_points if producer.has_smk else 0
    points += policy.micro_points if producer.is_micro else 0
    points += policy.first_time_points if app.first_time else 0
    points -= policy.rotation_penalty if producer.id in previous else 0
    points += policy.curation_points * (app.total_score or 0) / 10
    if window and app.submitted_at and window[1] > window[0]:
        lateness = (app.submitted_at - window[0]) / (window[1] - window[0])
        points += policy.early_points * (1 - lateness)
    return max(0, round(points))


def booth_input(b: Booth) -> engine.BoothIn:
    return engine.BoothIn(id=b.id, code=b.code, hall=b.hall_id,  # type: ignore[attr-defined]
                          x=b.x, y=b.y, w=b.w, h=b.h, type=str(b.kind), zone=b.zone,
                          power_watts=b.power_watts, water=b.water)


async def accepted_applications(event: Event) -> list[Application]:
    return await Application.filter(event=event, status=AppStatus.ACCEPTED).select_related(
        "producer")


async def engine_inputs(event: Event, policy: AllocationPolicy) -> tuple[
        list[engine.BoothIn], list[engine.ApplicantIn], dict[int, Application]]:
    apps = await accepted_applications(event)
    booths = await Booth.filter(event=event).exclude(status=BoothStatus.BLOCKED)
    previous = await previous_producers(event)
    times = [a.submitted_at for a in apps if a.submitted_at]
    window = (min(times), max(times)) if times else None
    prefs: dict[int, list[engine.Preference]] = {}
    for p in await BoothPreference.filter(application_id__in=[a.id for a in apps]):
        prefs.setdefault(p.application_id, []).append(  # type: ignore[attr-defined]
            engine.Preference(booth=p.booth_id, zone=p.zone))  # type: ignore[attr-defined]
    applicants = [engine.ApplicantIn(
        id=a.id, priority=priority_points(a, policy, previous=previous, window=window),
        booth_type=str(a.booth_type), count=max(1, a.booths_needed),
        power_watts=a.power_watts, water=a.needs_water, category=str(a.producer.category),
        cluster=a.producer.cluster.strip().lower(), preferences=tuple(prefs.get(a.id, ())))
        for a in apps]
    return [booth_input(b) for b in booths], applicants, {a.id: a for a in apps}


def zone_rules(policy: AllocationPolicy) -> dict[str, frozenset[str]]:
    return {k: frozenset(v) for k, v in (policy.zone_rules or {}).items() if v}


async def _locks(event: Event, base: AllocationRun | None) -> dict[int, tuple[int, ...]]:
    locked: dict[int, list[int]] = {}
    if base is not None:
        for a in await Assignment.filter(run=base, locked=True):
            locked.setdefault(a.application_id, []).append(a.booth_id)  # type: ignore[attr-defined]
    for b in await Booth.filter(event=event, confirmed_at__not_isnull=True):
        locked.setdefault(b.holder_id, []).append(b.id)  # type: ignore[attr-defined]
    return {a: tuple(sorted(set(ids))) for a, ids in locked.items()}


# -- runs -------------------------------------------------------------------------------------


async def latest_run(event: Event) -> AllocationRun | None:
    return await AllocationRun.filter(event=event).order_by("-number").first()


async def published_run(event: Event) -> AllocationRun | None:
    return await AllocationRun.get_or_none(event=event, status=RunStatus.PUBLISHED)


async def get_run(*, event: Event, run_id: int) -> AllocationRun:
    run = await AllocationRun.get_or_none(id=run_id, event=event)
    if run is None:
        raise NotFound(_("This allocation run does not exist."))
    return run


async def run_allocation(*, event: Event, by: User | None, seed: int | None = None,
                         label: str = "", cluster_mode: ClusterMode | None = None,
                         max_seconds: float = 1.0) -> AllocationRun:
    """Solve and store a draft run; locked assignments of the latest run are kept."""
    policy = await policy_for(event)
    booths, applicants, _apps = await engine_inputs(event, policy)
    if not applicants:
        raise DomainError(_("There are no accepted applications to allocate yet."),
                          "no_applicants")
    seed = seed if seed is not None else secrets.randbelow(2**31)
    mode = cluster_mode or ClusterMode(policy.cluster_mode)
    locked = await _locks(event, await latest_run(event))
    rules = engine.Rules(zone_rules=zone_rules(policy), cluster_mode=str(mode),
                         locked=locked, seed=seed, max_seconds=max_seconds)
    # CP-SAT solves in C++ without the GIL; the model is built in Python in the same thread.
    result = await in_thread(engine.allocate, booths, applicants, rules)
    return await _store(event, result, applicants, rules, label, by)


async def _store(event: Event, result: engine.Result, applicants: list[engine.ApplicantIn],
                 rules: engine.Rules, label: str, by: User | None) -> AllocationRun:
    async with atomic():
        last = await latest_run(event)
        run = await AllocationRun.create(
            event=event, number=(last.number + 1) if last else 1, label=label[:80],
            seed=rules.seed, cluster_mode=rules.cluster_mode, metrics=result.metrics,
            created_by=by)
        await Assignment.bulk_create([
            Assignment(run=run, booth_id=b, application_id=a, locked=a in rules.locked)
            for a, ids in result.assignment.items() for b in ids])
        await RunOutcome.bulk_create([
            RunOutcome(run=run, application_id=ap.id, priority=ap.priority,
                       rank=result.explanations[ap.id].rank,
                       waitlist_position=result.explanations[ap.id].waitlist_position,
                       reasons=[[c, p] for c, p in result.explanations[ap.id].reasons])
            for ap in applicants])
    await log_action(action="expo.allocation.ran", actor=by, event=event, obj=run,
                     summary=f"Run {run.number}: {result.metrics['placed']} placed, "
                             f"{result.metrics['unassigned']} unassigned, seed {rules.seed}",
                     data={"metrics": result.metrics})
    return run


@dataclass
class RunRow:
    application: Application
    booths: list[Booth]
    outcome: RunOutcome | None
    locked: bool


async def run_rows(run: AllocationRun) -> list[RunRow]:
    assignments = await Assignment.filter(run=run).select_related("booth")
    outcomes = {o.application_id: o for o in await RunOutcome.filter(run=run)}  # type: ignore[attr-defined]
    held: dict[int, list[Assignment]] = {}
    for a in assignments:
        held.setdefault(a.application_id, []).append(a)  # type: ignore[attr-defined]
    ids = set(held) | set(outcomes)
    apps = await Application.filter(id__in=list(ids)).select_related("producer")
    rows = [RunRow(application=app, booths=[a.booth for a in held.get(app.id, [])],
                   outcome=outcomes.get(app.id),
                   locked=any(a.locked for a in held.get(app.id, [])))
            for app in apps]
    rows.sort(key=lambda r: (not r.booths, r.booths[0].code if r.booths else "",
                             r.outcome.waitlist_position or 0 if r.outcome else 0))
    return rows


@dataclass
class RunAccount:
    """Where every accepted application stands in one run: ``accepted == placed + waitlisted +
    len(after)``. ``after``: accepted after the run was made (the run never saw them);
    ``withdrawn``: in the run but no longer accepted (not counted as accepted)."""

    accepted: int
    placed: int
    waitlisted: int
    after: list[Application]
    withdrawn: list[Application]

    @property
    def balanced(self) -> bool:
        return self.accepted == self.placed + self.waitlisted + len(self.after)


def account(accepted: list[Application], placed_ids: set[int],
            in_run: dict[int, Application]) -> RunAccount:
    """The account of a run from the accepted applications of now, the applications the run
    gave a booth (``placed_ids``) and every application the run decided on (``in_run``)."""
    now = {a.id for a in accepted}
    placed = len(now & placed_ids)
    return RunAccount(
        accepted=len(accepted), placed=placed, waitlisted=len(now & set(in_run)) - placed,
        after=[a for a in accepted if a.id not in in_run],
        withdrawn=[a for i, a in sorted(in_run.items()) if i not in now])


async def run_account(run: AllocationRun, rows: list[RunRow]) -> RunAccount:
    accepted = await accepted_applications(await run.event)
    return account(accepted, {r.application.id for r in rows if r.booths},
                   {r.application.id: r.application for r in rows})


async def run_accounts(event: Event, runs: list[AllocationRun]) -> dict[int, RunAccount]:
    """The account of each run, in three queries whatever the number of runs."""
    accepted = await accepted_applications(event)
    ids = [r.id for r in runs]
    placed: dict[int, set[int]] = {i: set() for i in ids}
    decided: dict[int, set[int]] = {i: set() for i in ids}
    for run_id, app_id in await Assignment.filter(run_id__in=ids).values_list(
            "run_id", "application_id"):
        placed[run_id].add(app_id)  # type: ignore[index, arg-type]
    for run_id, app_id in await RunOutcome.filter(run_id__in=ids).values_list(
            "run_id", "application_id"):
        decided[run_id].add(app_id)  # type: ignore[index, arg-type]
    known = {a.id: a for a in accepted}
    others = {i for d in decided.values() for i in d} - set(known)
    known.update({a.id: a for a in await Application.filter(id__in=list(others))
                  .select_related("producer")} if others else {})
    return {i: account(accepted, placed[i],
                       {a: known[a] for a in decided[i] | placed[i] if a in known})
            for i in ids}


def _draft(run: AllocationRun) -> None:
    if run.status != RunStatus.DRAFT:
        raise DomainError(_("Only a draft run can be changed. Start a new run to change "
                            "a published one."), "run_not_draft", status_code=409)


async def move(*, run: AllocationRun, application_id: int, booth: Booth,
               by: User | None) -> None:
    """Put an application on ``booth`` (and the booths right of it for multi-booth needs)."""
    _draft(run)
    if booth.status == BoothStatus.BLOCKED:
        raise DomainError(_("Booth %(code)s is blocked.", code=booth.code), "booth_blocked")
    if await Assignment.filter(run=run, booth=booth).exclude(
            application_id=application_id).exists():
        raise DomainError(_("Booth %(code)s is taken in this run. Swap the two exhibitors "
                            "instead.", code=booth.code), "booth_taken", status_code=409)
    if not await RunOutcome.filter(run=run, application_id=application_id).exists():
        raise NotFound(_("This exhibitor is not part of the run."))
    async with atomic():
        await Assignment.filter(run=run, application_id=application_id).delete()
        await Assignment.create(run=run, booth=booth, application_id=application_id,
                                manual=True, locked=True)
        await RunOutcome.filter(run=run, application_id=application_id).update(
            waitlist_position=None, reasons=[["manual", {}]])
    await log_action(action="expo.allocation.moved", actor=by, event=await run.event, obj=run,
                     summary=f"Run {run.number}: application {application_id} to {booth.code}")


async def swap(*, run: AllocationRun, first: int, second: int, by: User | None) -> None:
    _draft(run)
    a = await Assignment.filter(run=run, application_id=first)
    b = await Assignment.filter(run=run, application_id=second)
    if not a or not b:
        raise DomainError(_("Both exhibitors need a booth in this run to swap."), "swap_needs_two")
    async with atomic():
        await Assignment.filter(run=run, application_id__in=[first, second]).delete()
        await Assignment.bulk_create(
            [Assignment(run=run, booth_id=x.booth_id, application_id=second, manual=True,  # type: ignore[attr-defined]
                        locked=True) for x in a]
            + [Assignment(run=run, booth_id=x.booth_id, application_id=first, manual=True,  # type: ignore[attr-defined]
                          locked=True) for x in b])
    await log_action(action="expo.allocation.swapped", actor=by, event=await run.event,
                     obj=run, summary=f"Run {run.number}: swapped {first} and {second}")


async def set_lock(*, run: AllocationRun, application_id: int, locked: bool,
                   by: User | None) -> None:
    _draft(run)
    changed = await Assignment.filter(run=run, application_id=application_id).update(
        locked=locked)
    if not changed:
        raise NotFound(_("This exhibitor has no booth in this run."))
    await log_action(action="expo.allocation.locked" if locked else "expo.allocation.unlocked",
                     actor=by, event=await run.event, obj=run,
                     summary=f"Run {run.number}: application {application_id}")


async def publish(*, run: AllocationRun, by: User | None) -> None:
    """Make a draft the allocation: booth holders follow the run, each claim conditional."""
    _draft(run)
    event = await run.event
    wanted = {x.booth_id: x.application_id  # type: ignore[attr-defined]
              for x in await Assignment.filter(run=run)}
    async with atomic():
        before = await notices.holdings(event)
        for booth in await Booth.filter(event=event, holder_id__not_isnull=True):
            if wanted.get(booth.id) != booth.holder_id:  # type: ignore[attr-defined]
                await free_booth(booth_id=booth.id)
        held = set(await Booth.filter(event=event, holder_id__not_isnull=True)
                   .values_list("id", flat=True))
        codes = dict(await Booth.filter(id__in=list(wanted)).values_list("id", "code"))
        for booth_id, app_id in wanted.items():
            if booth_id not in held:
                await claim_booth(booth_id=booth_id, application_id=app_id)
                await log_action(action="expo.booth.assigned", actor=by, event=event,
                                 summary=f"Booth {codes[booth_id]} to application {app_id} "
                                         f"(run {run.number})",
                                 data={"booth": booth_id, "application": app_id})
        await AllocationRun.filter(event=event, status=RunStatus.PUBLISHED).update(
            status=RunStatus.SUPERSEDED)
        run.status, run.published_at = RunStatus.PUBLISHED, _now()
        await run.save()
        await notices.run_published(event=event, run=run, before=before)
    await log_action(action="expo.allocation.published", actor=by, event=event, obj=run,
                     summary=f"Run {run.number} published: {len(wanted)} booths assigned")


def compare(left: list[RunRow], right: list[RunRow]) -> list[tuple[Application, str, str]]:
    """Applications whose booths differ between two runs: (application, left, right)."""
    def codes(rows: list[RunRow]) -> dict[int, str]:
        return {r.application.id: ", ".join(b.code for b in r.booths) for r in rows}

    a, b = codes(left), codes(right)
    apps = {r.application.id: r.application for r in [*left, *right]}
    return [(apps[i], a.get(i, ""), b.get(i, "")) for i in sorted(apps)
            if a.get(i, "") != b.get(i, "")]


async def runs_of(event: Event) -> list[AllocationRun]:
    return await AllocationRun.filter(event=event)


async def zones_of(event: Event) -> list[str]:
    """The zones of the event's booths (the names zone rules choose from)."""
    rows = cast(list[str], await Booth.filter(event=event).exclude(zone="").order_by("zone")
                .distinct().values_list("zone", flat=True))
    return sorted(set(rows), key=str.casefold)


async def booths_of(event: Event) -> list[Booth]:
    return await Booth.filter(event=event).order_by("code")


async def booth_by_code(*, event: Event, code: str) -> Booth | None:
    return await Booth.get_or_none(event=event, code=code)
