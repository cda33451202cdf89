"""Notices to producers about their booth: assigned (a published run, a waitlist promotion,
their own pick) with its code and a link to the public map, and released.

Called inside the transaction of the change (``expo.exhibitors.notify.tell``). A published run
tells only the producers whose booths it changed, keyed by the run; a single booth's notice
is keyed by the booth and the application.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote

from expo.events.models import Event
from expo.exhibitors.models import Application
from expo.exhibitors.notify import Notice, tell
from expo.i18n import gettext as _
from expo.outbox import OutboxMessage

from .models import AllocationRun, Booth

Holdings = dict[int, tuple[str, ...]]  # application id -> its booth codes, sorted


def map_path(event: Event, codes: Sequence[str]) -> str:
    """The public map, showing the first of ``codes``."""
    path = f"/e/{event.slug}/map"
    return f"{path}?q={quote(codes[0], safe='')}" if codes else path


async def holdings(event: Event) -> Holdings:
    """Who holds which booths at ``event`` now."""
    held: dict[int, list[str]] = {}
    for app_id, code in await Booth.filter(event=event, holder_id__not_isnull=True).values_list(
            "holder_id", "code"):
        held.setdefault(int(app_id), []).append(str(code))
    return {app_id: tuple(sorted(codes)) for app_id, codes in held.items()}


async def booth_assigned(*, application: Application, event: Event, codes: Sequence[str],
                         key: str) -> list[OutboxMessage]:
    await application.fetch_related("producer")
    shown = ", ".join(codes)

    def compose() -> Notice:
        return Notice(_("Your booth at %(event)s: %(codes)s", event=event.name, codes=shown),
                      _("Your booth at %(event)s is %(codes)s. Find it on the map; confirm it "
                        "on your booth page in expo.", event=event.name, codes=shown))

    return await tell(producer=application.producer, kind="booths.assigned", key=key,
                      event_id=event.id, path=map_path(event, codes), compose=compose)


async def booth_released(*, application: Application, event: Event, codes: Sequence[str],
                         key: str) -> list[OutboxMessage]:
    await application.fetch_related("producer")
    shown = ", ".join(codes)

    def compose() -> Notice:
        return Notice(_("Booth %(codes)s released", codes=shown),
                      _("Booth %(codes)s at %(event)s is no longer yours. Open your booth "
                        "page in expo to see where you stand.", codes=shown, event=event.name))

    return await tell(producer=application.producer, kind="booths.released", key=key,
                      event_id=event.id, path=f"/manage/e/{event.slug}/my-booth",
                      compose=compose)


async def run_published(*, event: Event, run: AllocationRun, before: Mapping[int, Sequence[str]],
                        ) -> int:
    """Tell each producer whose booths the run changed: its new booths, or that it has none
    any more. Returns how many were told."""
    after = await holdings(event)
    changed = sorted(app_id for app_id in set(before) | set(after)
                     if tuple(before.get(app_id, ())) != after.get(app_id, ()))
    apps = {a.id: a for a in await Application.filter(id__in=changed).select_related(
        "producer")}
    for app_id in changed:
        application = apps.get(app_id)
        if application is None:
            continue
        if after.get(app_id):
            await booth_assigned(application=application, event=event, codes=after[app_id],
                                 key=f"booths.published:{run.id}:{app_id}")
        else:
            await booth_released(application=application, event=event, codes=before[app_id],
                                 key=f"booths.released:run{run.id}:{app_id}")
    return len(changed)


async def one_booth_assigned(*, application: Application, booth: Booth,
                             event: Event) -> list[OutboxMessage]:
    """A booth given outside a run (a waitlist promotion, the producer's own pick)."""
    return await booth_assigned(application=application, event=event, codes=[booth.code],
                                key=f"booths.assigned:{booth.id}:{application.id}")


async def one_booth_released(*, application: Application, booth: Booth,
                             event: Event) -> list[OutboxMessage]:
    return await booth_released(application=application, event=event, codes=[booth.code],
                                key=f"booths.released:{booth.id}:{application.id}")
