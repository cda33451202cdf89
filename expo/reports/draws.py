"""Doorprize draws over checked-in visitors: who may win, performing and verifying a draw."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, found
from expo.events.models import Event
from expo.i18n import gettext as _
from expo.reports import draw as algorithm
from expo.reports.models import DrawRun, DrawWinner
from expo.visitors.models import Scan, VisitorType

# Staff never win: exhibitors' staff and the committee.
STAFF_TYPES = frozenset({VisitorType.EXHIBITOR, VisitorType.COMMITTEE})
DRAWABLE_TYPES = tuple(t for t in VisitorType if t not in STAFF_TYPES)
MAX_WINNERS = 500


@dataclass
class DrawRequest:
    prize: str
    count: int
    day: dt.date | None
    types: list[VisitorType]
    seed: str = ""


async def candidates(*, event: Event, day: dt.date | None,
                     types: list[VisitorType]) -> list[int]:
    """Visitor numbers (ids, ascending) who checked in (on ``day``), of ``types``, not staff,
    with a valid real ticket (no test ticket, no rehearsal scan), and who have not won before
    at this event."""
    allowed = [t for t in (types or DRAWABLE_TYPES) if t not in STAFF_TYPES]
    # One join, no list of ids in the query: PostgreSQL binds at most 32,767 parameters.
    scans = Scan.filter(event=event, ok=True, direction="in", visitor_id__isnull=False,
                        visitor__type__in=allowed, visitor__revoked_at__isnull=True,
                        rehearsal=False, visitor__rehearsal=False)
    if day is not None:
        scans = scans.filter(day=day)
    scanned = set(await scans.distinct().values_list("visitor_id", flat=True))
    won = set(await DrawWinner.filter(event=event).values_list("visitor_id", flat=True))
    eligible = scanned - won
    return sorted(eligible)  # type: ignore[arg-type]


def _check(request: DrawRequest) -> None:
    if not request.prize:
        raise DomainError(_("Name the prize."), "prize_required", status_code=422)
    if not 1 <= request.count <= MAX_WINNERS:
        raise DomainError(_("Draw between 1 and %(n)s winners.", n=MAX_WINNERS),
                          "bad_count", status_code=422)
    if request.seed and not algorithm.valid_seed(request.seed):
        raise DomainError(_("A seed has 1 to 64 letters, digits, dots, colons or dashes."),
                          "bad_seed", status_code=422)
    if any(t in STAFF_TYPES for t in request.types):
        raise DomainError(_("Staff cannot take part in the draw."), "staff_excluded",
                          status_code=422)


async def perform(*, event: Event, request: DrawRequest, by: User | None) -> DrawRun:
    """Draw winners among the candidates: the pool, the run, its winners and the audit entry
    are one transaction (a winner taken by a simultaneous draw fails it: unique per event)."""
    _check(request)
    seed = request.seed or algorithm.new_seed()
    try:
        async with atomic():
            pool = await candidates(event=event, day=request.day, types=request.types)
            if not pool:
                raise DomainError(_("Nobody can win with these filters: no checked-in visitor "
                                    "who has not won yet."), "no_candidates", status_code=422)
            winners = algorithm.draw(seed, pool, request.count)
            last = await DrawRun.filter(event=event).order_by("-number").first()
            run = await DrawRun.create(
                event=event, number=last.number + 1 if last else 1, prize=request.prize,
                seed=seed, algorithm=algorithm.ALGORITHM,
                filters={"day": request.day.isoformat() if request.day else None,
                         "types": [str(t) for t in request.types]},
                requested=request.count, pool_size=len(pool),
                candidates_digest=algorithm.digest(pool), candidates=pool, performed_by=by)
            await DrawWinner.bulk_create([
                DrawWinner(draw=run, event=event, visitor_id=v, position=i)
                for i, v in enumerate(winners, start=1)])
            await log_action(action="expo.draw.performed", actor=by, event=event, obj=run,
                             summary=f"#{run.number} {run.prize}: {len(winners)} of {len(pool)}",
                             data={"seed": seed, "winners": winners,
                                   "digest": run.candidates_digest, "filters": run.filters})
    except IntegrityError:  # another draw took one of these winners at the same moment
        raise DomainError(_("Another draw ran at the same time. Draw again."),
                          "draw_conflict", status_code=409) from None
    return run


async def list_draws(*, event: Event) -> list[DrawRun]:
    return await DrawRun.filter(event=event).order_by("-number")


async def get_draw(*, event: Event, draw_id: int) -> DrawRun:
    run = found(await DrawRun.get_or_none(id=draw_id, event=event),
                _("This draw does not exist."), "draw_not_found")
    return run


async def winners_of(run: DrawRun) -> list[DrawWinner]:
    return await DrawWinner.filter(draw=run).select_related("visitor").order_by("position")


async def verify(run: DrawRun) -> bool:
    """Re-run the draw from its published seed and candidates: same winners, same digest?"""
    stored = [w.visitor_id for w in await DrawWinner.filter(draw=run).order_by("position")]  # type: ignore[attr-defined]
    again = algorithm.draw(run.seed, run.candidates, run.requested)
    return again == stored and algorithm.digest(run.candidates) == run.candidates_digest


# ---- published results -------------------------------------------------------------------
# The seed, the candidate numbers and the winners' visitor numbers are public, so anyone can
# re-run a draw; names are shortened ("Siti R.") so that the page publishes no more personal
# data than an announcement at the stage would.

@dataclass
class PublicWinner:
    position: int
    number: int
    name: str


def short_name(name: str) -> str:
    words = name.split()
    if len(words) < 2 or name.startswith("("):
        return name
    return f"{words[0]} {words[1][0]}."


async def published(*, event: Event) -> list[tuple[DrawRun, list[PublicWinner]]]:
    runs = await DrawRun.filter(event=event).order_by("-number")
    rows = await DrawWinner.filter(event=event).select_related("visitor").order_by("position")
    by_draw: dict[int, list[PublicWinner]] = {}
    for w in rows:
        by_draw.setdefault(w.draw_id, []).append(  # type: ignore[attr-defined]
            PublicWinner(w.position, w.visitor.id, short_name(w.visitor.name)))
    return [(run, by_draw.get(run.id, [])) for run in runs]


async def get_published(*, event: Event, number: int) -> DrawRun:
    run = found(await DrawRun.get_or_none(event=event, number=number),
                _("This draw does not exist."), "draw_not_found")
    return run


async def prizes_won(*, visitor_id: int) -> list[DrawRun]:
    """The draws a visitor has won (for their ticket page)."""
    return await DrawRun.filter(winners__visitor_id=visitor_id).order_by("number")
