"""Allocation pages for the committee and the exhibitor's booth page (thin handlers)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import expo.exhibitors.web  # noqa: F401  (registers the {id:pk} path convertor)
from expo.accounts.models import Role
from expo.accounts.permissions import require_user
from expo.audit.service import log_action
from expo.errors import DomainError
from expo.events.models import Event
from expo.events.permissions import event_role
from expo.exhibitors import service as exhibitors_service
from expo.exhibitors.models import Category
from expo.forms import FormInvalid
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.nav import ACCEPTED_EXHIBITOR, REGISTRATION, Tab, register_tab
from expo.templating import flash
from expo.web import read_form, redirect, render

from . import allocation, forms, holding, mapview
from .explain_text import NEED_LABELS, reason_text
from .models import AllocationMode, AllocationPolicy, ClusterMode, RunStatus
from .signals import BoothPageShown, booth_notes

register_tab(Tab("booths.allocation", _l("Allocation"), frozenset({Role.COMMITTEE}), 42,
                 phase=REGISTRATION))
register_tab(Tab("booths.mine", _l("My booth"), frozenset({Role.EXHIBITOR}), 45,
                 phase=REGISTRATION,
                 needs=ACCEPTED_EXHIBITOR))


def _runs_url(request: Request) -> str:
    return str(request.url_for("booths.allocation", slug=request.state.event.slug))


def _run_url(request: Request, run_id: int) -> str:
    return str(request.url_for("booths.run", slug=request.state.event.slug, run_id=run_id))


async def _allocation_page(request: Request, form=None, status: int = 200) -> Response:  # type: ignore[no-untyped-def]
    event = request.state.event
    policy = await allocation.policy_for(event)
    runs = await allocation.runs_of(event)
    form = form or forms.policy_form(policy, event.timezone)
    accounts = await allocation.run_accounts(event, runs)
    shown = next((r for r in runs if r.status == RunStatus.PUBLISHED), runs[-1] if runs else None)
    return render(request, "booths/allocation.html", {
        "event": event, "runs": runs, "accounts": accounts,
        "shown": shown, "shown_account": accounts[shown.id] if shown else None,
        "form": form, "policy": policy, "rule_rows": forms.rule_rows(form),
        "category_options": Category.choices(), "zone_options": await _zone_options(event, policy),
        "cluster_options": ClusterMode.choices(), "mode_options": AllocationMode.choices(),
        "RunStatus": RunStatus,
        "accepted": len(await allocation.accepted_applications(event))}, status)


async def _zone_options(event: Event, policy: AllocationPolicy) -> list[str]:
    """The floor plan's zones, and any zone the rules name that no booth has any more."""
    zones = await allocation.zones_of(event)
    named = {z for v in (policy.zone_rules or {}).values() for z in v}
    return zones + sorted(named - set(zones), key=str.casefold)


@event_role(Role.COMMITTEE)
async def allocation_page(request: Request) -> Response:
    return await _allocation_page(request)


@event_role(Role.COMMITTEE)
async def policy_save(request: Request) -> Response:
    event, form = request.state.event, await read_form(request)
    policy = await allocation.policy_for(event)
    try:
        forms.apply_policy(form, policy, event.timezone,
                           zones=await allocation.zones_of(event))
    except FormInvalid:
        return await _allocation_page(request, form, 422)
    await policy.save()
    await log_action(action="expo.allocation.policy_saved", actor=require_user(request),
                     event=event, obj=policy, summary="Allocation policy saved")
    flash(request, _("Allocation rules saved."))
    return redirect(_runs_url(request))


@event_role(Role.COMMITTEE)
async def run_new(request: Request) -> Response:
    event, form = request.state.event, await read_form(request)
    seed = form.integer("seed", required=False, low=0, high=2**31 - 1)
    mode = form.choice("cluster_mode", [c.value for c in ClusterMode], required=False)
    if not form.valid:
        raise DomainError(_("The seed must be a whole number from 0 to 2147483647."),
                          "bad_seed")
    run = await allocation.run_allocation(
        event=event, by=require_user(request), seed=seed, label=form.raw("label"),
        cluster_mode=ClusterMode(mode) if mode else None)
    flash(request, _("Run %(n)s is ready: %(placed)s placed, %(un)s unassigned.",
                     n=run.number, placed=run.metrics["placed"], un=run.metrics["unassigned"]))
    return redirect(_run_url(request, run.id))


@event_role(Role.COMMITTEE)
async def run_detail(request: Request) -> Response:
    event = request.state.event
    run = await allocation.get_run(event=event, run_id=request.path_params["run_id"])
    rows = await allocation.run_rows(run)
    account = await allocation.run_account(run, rows)
    return render(request, "booths/run.html", {
        "event": event, "run": run, "rows": rows, "account": account,
        "withdrawn": {a.id for a in account.withdrawn},
        "reason_text": reason_text, "RunStatus": RunStatus, "Category": Category,
        "booths": await allocation.booths_of(event)})


async def _run_and_form(request: Request):  # type: ignore[no-untyped-def]
    run = await allocation.get_run(event=request.state.event,
                                   run_id=request.path_params["run_id"])
    return run, await read_form(request)


@event_role(Role.COMMITTEE)
async def run_move(request: Request) -> Response:
    run, form = await _run_and_form(request)
    code = form.text("booth", max_length=20)
    app_id = forms.form_id(form, "application")
    booth = await allocation.booth_by_code(event=request.state.event, code=code)
    if booth is None or app_id is None:
        raise DomainError(_("Choose an exhibitor and an existing booth code."), "bad_move")
    await allocation.move(run=run, application_id=app_id, booth=booth,
                          by=require_user(request))
    flash(request, _("Moved to %(code)s and locked.", code=booth.code))
    return redirect(_run_url(request, run.id))


@event_role(Role.COMMITTEE)
async def run_swap(request: Request) -> Response:
    run, form = await _run_and_form(request)
    first, second = forms.form_id(form, "first"), forms.form_id(form, "second")
    if first is None or second is None or first == second:
        raise DomainError(_("Choose two different exhibitors to swap."), "swap_needs_two")
    await allocation.swap(run=run, first=first, second=second, by=require_user(request))
    flash(request, _("Swapped."))
    return redirect(_run_url(request, run.id))


@event_role(Role.COMMITTEE)
async def run_lock(request: Request) -> Response:
    run, form = await _run_and_form(request)
    app_id = forms.form_id(form, "application")
    if app_id is None:
        raise DomainError(_("Choose an exhibitor."), "form_invalid")
    await allocation.set_lock(run=run, application_id=app_id, locked=form.boolean("locked"),
                              by=require_user(request))
    return redirect(_run_url(request, run.id))


@event_role(Role.COMMITTEE)
async def run_publish(request: Request) -> Response:
    run = await allocation.get_run(event=request.state.event,
                                   run_id=request.path_params["run_id"])
    await allocation.publish(run=run, by=require_user(request))
    flash(request, _("Run %(n)s published. Exhibitors can now see their booths.", n=run.number))
    return redirect(_run_url(request, run.id))


@event_role(Role.COMMITTEE)
async def compare(request: Request) -> Response:
    event = request.state.event
    try:
        left_id, right_id = int(request.query_params["a"]), int(request.query_params["b"])
        if not (0 < left_id <= forms.MAX_ID and 0 < right_id <= forms.MAX_ID):
            raise ValueError
    except (KeyError, ValueError):
        raise DomainError(_("Choose two runs to compare."), "bad_compare") from None
    left = await allocation.get_run(event=event, run_id=left_id)
    right = await allocation.get_run(event=event, run_id=right_id)
    changes = allocation.compare(await allocation.run_rows(left),
                                 await allocation.run_rows(right))
    return render(request, "booths/compare.html", {"event": event, "left": left,
                                                   "right": right, "changes": changes})


# -- exhibitor ---------------------------------------------------------------------------------


@event_role(Role.EXHIBITOR)
async def mine(request: Request) -> Response:
    event, user = request.state.event, require_user(request)
    app = await exhibitors_service.accepted_application(user=user, event=event)
    policy = await allocation.policy_for(event)
    slots = await holding.selection_slots(event)
    held = await holding.booths_held(app)
    view = await mapview.map_view(event) if held or slots or policy.preferences_open else None
    answers = await booth_notes.send(BoothPageShown(event_id=event.id, application_id=app.id))
    return render(request, "booths/mine.html", {
        "notes": [note for answer in answers for note in answer],
        "event": event, "application": app, "held": held, "policy": policy,
        "slot": slots.get(app.id), "view": view, "need_labels": NEED_LABELS,
        "preferences": await holding.preferences_of(app),
        "published": await allocation.published_run(event) is not None,
        "max_preferences": holding.MAX_PREFERENCES})


async def _exhibitor(request: Request):  # type: ignore[no-untyped-def]
    user = require_user(request)
    return user, await exhibitors_service.accepted_application(user=user, event=request.state.event)


def _mine_url(request: Request) -> str:
    return str(request.url_for("booths.mine", slug=request.state.event.slug))


@event_role(Role.EXHIBITOR)
async def confirm(request: Request) -> Response:
    user, app = await _exhibitor(request)
    booth = await holding.confirm(application=app, booth_id=request.path_params["booth_id"],
                                  by=user)
    flash(request, _("Booth %(code)s confirmed. See you at the event!", code=booth.code))
    return redirect(_mine_url(request))


@event_role(Role.EXHIBITOR)
async def release(request: Request) -> Response:
    user, app = await _exhibitor(request)
    await holding.release(application=app, booth_id=request.path_params["booth_id"], by=user)
    flash(request, _("Booth released. It is offered to the next exhibitor on the waitlist."))
    return redirect(_mine_url(request))


@event_role(Role.EXHIBITOR)
async def preferences(request: Request) -> Response:
    user, app = await _exhibitor(request)
    form = await read_form(request)
    choices = [form.raw(f"choice{i}") for i in range(1, holding.MAX_PREFERENCES + 1)]
    await holding.set_preferences(application=app, choices=choices, by=user)
    flash(request, _("Your booth preferences are saved."))
    return redirect(_mine_url(request))


@event_role(Role.EXHIBITOR)
async def pick(request: Request) -> Response:
    user, app = await _exhibitor(request)
    booth = await holding.pick_booth(application=app, booth_id=request.path_params["booth_id"],
                                     by=user)
    flash(request, _("Booth %(code)s is yours.", code=booth.code))
    return redirect(_mine_url(request))


_A = "/manage/e/{slug}/allocation"
_M = "/manage/e/{slug}/my-booth"
routes = [
    Route(_A, allocation_page, name="booths.allocation"),
    Route(_A + "/policy", policy_save, methods=["POST"], name="booths.policy"),
    Route(_A + "/runs", run_new, methods=["POST"], name="booths.run_new"),
    Route(_A + "/runs/{run_id:pk}", run_detail, name="booths.run"),
    Route(_A + "/runs/{run_id:pk}/move", run_move, methods=["POST"], name="booths.run_move"),
    Route(_A + "/runs/{run_id:pk}/swap", run_swap, methods=["POST"], name="booths.run_swap"),
    Route(_A + "/runs/{run_id:pk}/lock", run_lock, methods=["POST"], name="booths.run_lock"),
    Route(_A + "/runs/{run_id:pk}/publish", run_publish, methods=["POST"],
          name="booths.run_publish"),
    Route(_A + "/compare", compare, name="booths.compare"),
    Route(_M, mine, name="booths.mine"),
    Route(_M + "/preferences", preferences, methods=["POST"], name="booths.preferences"),
    Route(_M + "/{booth_id:pk}/confirm", confirm, methods=["POST"], name="booths.confirm"),
    Route(_M + "/{booth_id:pk}/release", release, methods=["POST"], name="booths.release"),
    Route(_M + "/pick/{booth_id:pk}", pick, methods=["POST"], name="booths.pick"),
]
