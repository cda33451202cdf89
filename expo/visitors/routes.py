"""Visitor pages: registration, tickets, the committee's lists, gates and badges, the gate."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from expo import qr
from expo.accounts.models import Role
from expo.accounts.permissions import current_user, public, require_user
from expo.errors import DomainError, error_response
from expo.events.permissions import event_role
from expo.events.service import viewable_event, window_state
from expo.forms import Form, FormInvalid
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.nav import DAY, REGISTRATION, SETUP, Tab, register_tab
from expo.ratelimit import SharedRateLimiter
from expo.regions import region_choices
from expo.templating import flash
from expo.visitors import checkin, codes, identity, keys, notify, service
from expo.visitors.forms import (
    contact_required,
    parse_contact,
    parse_group_form,
    parse_names,
    parse_visitor_edit,
    parse_visitor_form,
    visitor_form,
)
from expo.visitors.models import (
    BADGE_TYPES,
    PUBLIC_TYPES,
    Source,
    Visitor,
    VisitorType,
)
from expo.visitors.signals import TicketShown, ticket_notes
from expo.web import absolute_url, client_ip, read_form, redirect, render, settings_of

STAFF = (Role.COMMITTEE, Role.GATE)
BUNDLE_REFRESH_SECONDS = 120  # how often an online scanner re-reads the revoked tickets
# "Find my ticket": per client address and event (each address is also limited by the
# messages it was sent this hour, across workers: see expo.visitors.notify).
FIND_LIMIT = SharedRateLimiter("find_ticket", limit=5, window=600)  # across workers
register_tab(Tab("visitors.gate", _l("Gate"), frozenset(STAFF), 30, phase=DAY))
register_tab(Tab("visitors.list", _l("Visitors"), frozenset({Role.COMMITTEE}), 31,
                 phase=REGISTRATION))
register_tab(Tab("visitors.gates", _l("Gate setup"), frozenset({Role.COMMITTEE}), 32, phase=SETUP))
register_tab(Tab("visitors.badges", _l("Badges"), frozenset({Role.COMMITTEE}), 33, phase=DAY))


async def _signer(request: Request, event_id: int) -> codes.Keyring:
    """The event's keys: codes shown now are signed with its current one."""
    return await keys.keyring(event_id=event_id, settings=settings_of(request))


async def _post(request: Request, event_id: int) -> notify.Post:
    """Absolute links and the event's keys, for the ticket messages a request sends."""
    return notify.Post(url_for=partial(absolute_url, request),
                       signer=await _signer(request, event_id))


def _svg(code: str, scale: int = 4, fast: bool = False) -> Markup:
    return qr.svg(code, scale=scale, fast=fast)


def _choices() -> dict[str, object]:
    return {"type_options": [(t.value, t.label) for t in PUBLIC_TYPES],
            "region_options": region_choices(), "type_labels": VisitorType.labels()}


def _url(request: Request, name: str, **params: object) -> str:
    return str(request.url_for(name, **params))


# ---- public: registration and tickets -----------------------------------------------------

async def _open_event(request: Request):  # type: ignore[no-untyped-def]
    event, _roles = await viewable_event(slug=request.path_params["slug"],
                                         user=current_user(request))
    state = window_state(event.visitor_reg_opens, event.visitor_reg_closes)
    if event.status.value == "closed":
        state = "closed"
    return event, state


@public
async def register(request: Request) -> Response:
    event, state = await _open_event(request)
    form = Form({"type": "umum"})
    if request.method == "POST" and state in ("open", "unset"):
        form = await read_form(request)
        try:
            data = parse_visitor_form(form)
        except FormInvalid:
            return render(request, "visitors/register.html",
                          {"event": event, "form": form, "state": state} | _choices(), 422)
        done = await service.register(event=event, data=data,
                                      post=await _post(request, event.id))
        if not done.created:
            return render(request, "visitors/already_registered.html",
                          {"event": event, "done": done})
        return redirect(_url(request, "visitors.ticket", token=done.visitor.link_token))
    if request.method == "POST":
        raise DomainError(_("Registration for this event is closed."), "registration_closed")
    return render(request, "visitors/register.html",
                  {"event": event, "form": form, "state": state} | _choices())


@public
async def register_group(request: Request) -> Response:
    event, state = await _open_event(request)
    form = Form()
    if request.method == "POST":
        if state not in ("open", "unset"):
            raise DomainError(_("Registration for this event is closed."), "registration_closed")
        form = await read_form(request)
        try:
            group = await service.register_group(event=event, data=parse_group_form(form),
                                                 post=await _post(request, event.id))
        except FormInvalid:
            return render(request, "visitors/register_group.html",
                          {"event": event, "form": form, "state": state} | _choices(), 422)
        return redirect(_url(request, "visitors.group", token=group.link_token))
    return render(request, "visitors/register_group.html",
                  {"event": event, "form": form, "state": state} | _choices())


@public
async def find_ticket(request: Request) -> Response:
    """The "find my ticket" page: the personal link sent again to the phone or email it was
    registered with. The answer is the same whether or not such a ticket exists."""
    event, _state = await _open_event(request)
    form, status, sent = Form(), 200, False
    if request.method == "POST":
        wait = await FIND_LIMIT.hit(f"{event.id}:{client_ip(request)}")
        if wait:
            response = error_response(
                request, 429, _("You asked for your ticket several times in a short while. "
                                "Wait %(n)s minutes, then try again, or ask the committee at "
                                "the registration desk.", n=max(1, round(wait / 60))),
                "too_many", back=_url(request, "visitors.find_ticket", slug=event.slug))
            response.headers["Retry-After"] = str(int(wait) + 1)
            return response
        form = await read_form(request)
        try:
            contact = parse_contact(form)
        except FormInvalid:
            status = 422
        else:
            await service.find_ticket(event=event, phone=contact.phone, email=contact.email,
                                      post=await _post(request, event.id))
            form, sent = Form(), True  # the page shows nothing of what was asked
    return render(request, "visitors/find_ticket.html",
                  {"event": event, "form": form, "sent": sent}, status)


async def _ticket_context(request: Request, visitor) -> dict[str, object]:  # type: ignore[no-untyped-def]
    code = service.ticket_code(visitor=visitor, signer=await _signer(request, visitor.event_id))
    return {"visitor": visitor, "event": visitor.event, "code": code,
            "svg": _svg(code), "type_labels": VisitorType.labels(),
            "link": absolute_url(request, "visitors.ticket", token=visitor.link_token)}


@public
async def ticket(request: Request) -> Response:
    visitor = await service.visitor_by_link(token=request.path_params["token"])
    answers = await ticket_notes.send(TicketShown(visitor_id=visitor.id,
                                                  event_id=visitor.event.id))
    context = await _ticket_context(request, visitor) | {
        "notes": [note for notes in answers for note in notes],
        "delivery": await service.ticket_delivery(visitor=visitor)}
    response = render(request, "visitors/ticket.html", context)
    # Stand pages know the visitor from now on (save, contact, inquiry): see expo.leads.
    identity.remember(response, visitor=visitor, secret_key=settings_of(request).secret_key,
                      https_only=settings_of(request).https_only)
    return response


@public
async def ticket_png(request: Request) -> Response:
    visitor = await service.visitor_by_link(token=request.path_params["token"])
    code = service.ticket_code(visitor=visitor, signer=await _signer(request, visitor.event.id))
    filename = f"tiket-{visitor.event.slug}-{visitor.id}.png"
    return Response(qr.png(code), media_type="image/png", headers={
        "content-disposition": f'attachment; filename="{filename}"',
        "cache-control": "private, max-age=3600"})


@public
async def consent(request: Request) -> Response:
    visitor = await service.visitor_by_link(token=request.path_params["token"])
    form = await read_form(request)
    share = form.boolean("share")
    await service.set_consent(visitor=visitor, share=share)
    flash(request, _("Thank you: exhibitors may now see your contact details.") if share
          else _("Done: exhibitors will no longer see your contact details."))
    return redirect(_url(request, "visitors.ticket", token=visitor.link_token))


def _own_types(visitor: Visitor) -> tuple[VisitorType, ...]:
    """A visitor picks among the public types; a badge type is the committee's to change."""
    return PUBLIC_TYPES if visitor.type in PUBLIC_TYPES else (VisitorType(visitor.type),)


@public
async def ticket_edit(request: Request) -> Response:
    visitor = await service.visitor_by_link(token=request.path_params["token"])
    types = _own_types(visitor)
    form, status = visitor_form(visitor), 200
    if request.method == "POST":
        form = await read_form(request)
        try:
            details = parse_visitor_edit(form, types=types, complete=contact_required(visitor))
        except FormInvalid:
            status = 422
        else:
            await service.update_visitor(visitor=visitor, details=details, by=None)
            flash(request, _("Your details are saved. Your QR code stays the same."))
            return redirect(_url(request, "visitors.ticket", token=visitor.link_token))
    return render(request, "visitors/ticket_edit.html", {
        "visitor": visitor, "event": visitor.event, "form": form,
        "required": contact_required(visitor), "region_options": region_choices(),
        "type_options": [(t.value, t.label) for t in types]}, status)


@public
async def ticket_delete(request: Request) -> Response:
    """The right to erasure, after a confirmation: the registration is anonymised."""
    visitor = await service.visitor_by_link(token=request.path_params["token"])
    form, status = Form(), 200
    if request.method == "POST":
        form = await read_form(request)
        if form.boolean("confirm"):
            await service.erase_visitor(visitor=visitor)
            response = render(request, "visitors/deleted.html", {"event": visitor.event})
            identity.forget(response)  # stand pages no longer know this phone
            return response
        form.error("confirm", _("Tick the box to confirm that you want to delete your "
                                "registration."))
        status = 422
    return render(request, "visitors/ticket_delete.html",
                  {"visitor": visitor, "event": visitor.event, "form": form}, status)


@public
async def group(request: Request) -> Response:
    group, members = await service.group_by_link(token=request.path_params["token"])
    signer = await _signer(request, group.event_id)  # type: ignore[attr-defined]
    cards = [(v, _svg(service.ticket_code(visitor=v, signer=signer))) for v in members]
    return render(request, "visitors/group.html", {
        "group": group, "event": group.event, "cards": cards, "type_labels": VisitorType.labels()})


# ---- committee: visitors, gates and tokens, badges ----------------------------------------

@event_role(Role.COMMITTEE)
async def visitor_list(request: Request) -> Response:
    event = request.state.event
    q = request.query_params.get("q", "")[:100]
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    rows, has_next = await service.list_visitors(event=event, q=q, page=page)
    return render(request, "visitors/list.html", {
        "event": event, "visitors": rows, "q": q, "page": page, "has_next": has_next,
        "type_labels": VisitorType.labels(), "counters": await service.counters(event=event)})


async def _change_ticket(request: Request, change: Callable[..., Awaitable[object]],
                         done: Callable[[str], str]) -> Response:
    event = request.state.event
    visitor = await service.get_visitor(event=event, visitor_id=request.path_params["vid"])
    visitor.event = event
    await change(visitor=visitor, by=require_user(request))
    flash(request, done(visitor.name))
    return redirect(_url(request, "visitors.list", slug=event.slug))


@event_role(Role.COMMITTEE)
async def revoke(request: Request) -> Response:
    return await _change_ticket(request, service.revoke_ticket,
                                lambda name: _("Ticket of %(name)s revoked.", name=name))


@event_role(Role.COMMITTEE)
async def reinstate(request: Request) -> Response:
    return await _change_ticket(request, service.reinstate_ticket,
                                lambda name: _("Ticket of %(name)s is valid again.",
                                               name=name))


def _all_types() -> list[tuple[str, object]]:
    return [(t.value, t.label) for t in (*PUBLIC_TYPES, *BADGE_TYPES)]


@event_role(Role.COMMITTEE)
async def edit(request: Request) -> Response:
    """The committee corrects a visitor's details (never their consent: that is the
    visitor's own choice, on the ticket page)."""
    event = request.state.event
    visitor = await service.get_visitor(event=event, visitor_id=request.path_params["vid"])
    visitor.event = event
    form, status = visitor_form(visitor), 200
    if request.method == "POST":
        form = await read_form(request)
        try:
            details = parse_visitor_edit(form, types=(*PUBLIC_TYPES, *BADGE_TYPES),
                                         complete=False)
        except FormInvalid:
            status = 422
        else:
            changed = await service.update_visitor(visitor=visitor, details=details,
                                                   by=require_user(request))
            flash(request, _("Details of %(name)s saved.", name=visitor.name) if changed
                  else _("Nothing was changed."))
            return redirect(_url(request, "visitors.list", slug=event.slug))
    return render(request, "visitors/edit.html", {
        "event": event, "visitor": visitor, "form": form, "type_options": _all_types(),
        "region_options": region_choices(), "type_labels": VisitorType.labels()}, status)


async def _gates_page(request: Request, form: Form | None = None, new_token: str = "",
                      status: int = 200) -> Response:
    event = request.state.event
    rules = await service.get_rules(event=event)
    form = form or Form({"reentry": "1" if rules.reentry else "", "early_minutes":
                         str(rules.early_minutes), "track_exit": "1" if rules.track_exit else "",
                         "enforce_hours": "1" if rules.enforce_hours else ""})
    return render(request, "visitors/gates.html", {
        "event": event, "gates": await service.list_gates(event=event), "rules": rules,
        "tokens": await service.list_device_tokens(event=event), "form": form,
        "new_token": new_token,
        "ticket_keys": await keys.event_keys(event=event, settings=settings_of(request))}, status)


@event_role(Role.COMMITTEE)
async def gates(request: Request) -> Response:
    return await _gates_page(request)


@event_role(Role.COMMITTEE)
async def gate_create(request: Request) -> Response:
    form = await read_form(request)
    try:
        await service.create_gate(event=request.state.event, name=form.raw("name"),
                                  by=require_user(request))
    except DomainError as exc:
        form.error("name", exc.message)
        return await _gates_page(request, form, status=422)
    flash(request, _("Gate saved."))
    return redirect(_url(request, "visitors.gates", slug=request.state.event.slug))


@event_role(Role.COMMITTEE)
async def rules(request: Request) -> Response:
    form = await read_form(request)
    early = form.integer("early_minutes", low=0, high=240)
    if not form.valid:
        return await _gates_page(request, form, status=422)
    await service.update_rules(event=request.state.event, reentry=form.boolean("reentry"),
                               track_exit=form.boolean("track_exit"),
                               enforce_hours=form.boolean("enforce_hours"),
                               early_minutes=early or 0, by=require_user(request))
    flash(request, _("Gate rules saved."))
    return redirect(_url(request, "visitors.gates", slug=request.state.event.slug))


@event_role(Role.COMMITTEE)
async def token_create(request: Request) -> Response:
    event = request.state.event
    form = await read_form(request)
    gate_id = form.integer("gate")
    if gate_id is None:
        form.error("gate", _("Choose a gate."))
        return await _gates_page(request, form, status=422)
    gate = await service.get_gate(event=event, gate_id=gate_id)
    _token, plain = await service.create_device_token(
        event=event, gate=gate, label=form.text("label", required=False, max_length=80),
        kiosk=form.boolean("kiosk"), by=require_user(request))
    return await _gates_page(request, new_token=plain)


@event_role(Role.COMMITTEE)
async def ticket_key_rotate(request: Request) -> Response:
    """Rotate the event's ticket-signing key, once the committee ticked what that means."""
    event = request.state.event
    form = await read_form(request)
    if not form.boolean("confirm_rotation"):
        flash(request, _("Tick the box to confirm the rotation: nothing was changed."), "error")
    else:
        try:
            new = await keys.rotate(event=event, key_id=request.path_params["kid"],
                                    by=require_user(request), settings=settings_of(request))
        except DomainError as exc:
            if exc.code != "key_already_rotated":
                raise
            flash(request, exc.message, "warning")
        else:
            flash(request, _("Ticket key rotated: new tickets are signed with key %(key)s.",
                             key=new.key_id))
    return redirect(_url(request, "visitors.gates", slug=event.slug) + "#ticket-keys")


@event_role(Role.COMMITTEE)
async def token_revoke(request: Request) -> Response:
    event = request.state.event
    await service.revoke_device_token(event=event, token_id=request.path_params["tid"],
                                      by=require_user(request))
    flash(request, _("Device token revoked: that device can no longer scan."))
    return redirect(_url(request, "visitors.gates", slug=event.slug))


def _badge_options() -> list[tuple[str, object]]:
    return [(t.value, t.label) for t in (*BADGE_TYPES, *PUBLIC_TYPES)]


@event_role(Role.COMMITTEE)
async def badges(request: Request) -> Response:
    event = request.state.event
    form = Form({"type": "exhibitor"})
    status = 200
    if request.method == "POST":
        form = await read_form(request)
        kind = form.choice("type", [t.value for t in BADGE_TYPES])
        names = parse_names(form)
        organisation = form.text("organisation", required=False, max_length=160)
        if form.valid:
            made = await service.issue_badges(event=event, names=names, type=VisitorType(kind),
                                              organisation=organisation, by=require_user(request))
            flash(request, _("%(n)s badges issued.", n=len(made)))
            return redirect(_url(request, "visitors.badges", slug=event.slug))
        status = 422
    return render(request, "visitors/badges.html", {
        "event": event, "form": form, "badge_options": [(t.value, t.label)
                                                        for t in BADGE_TYPES],
        "sheet_options": _badge_options()}, status)


@event_role(Role.COMMITTEE)
async def badges_for_exhibitors(request: Request) -> Response:
    event = request.state.event
    made, exhibitors = await service.issue_exhibitor_badges(event=event,
                                                            by=require_user(request))
    flash(request, _("%(n)s badges issued for %(m)s exhibitors.", n=made, m=exhibitors) if made
          else _("Every accepted exhibitor's staff already has a badge."))
    return redirect(_url(request, "visitors.badges", slug=event.slug))


@event_role(Role.COMMITTEE)
async def badge_sheet(request: Request) -> Response:
    event = request.state.event
    size = request.query_params.get("size", "a6")
    kind = request.query_params.get("type", "")
    if size not in ("a6", "a7") or kind not in {t.value for t in VisitorType} | {""}:
        raise DomainError(_("Choose a size (A6 or A7) and a badge type from the list."),
                          "bad_sheet")
    people = await service.badge_people(event=event, type=VisitorType(kind) if kind else None)
    signer = await _signer(request, event.id)
    cards = [(v, _svg(service.ticket_code(visitor=v, signer=signer), 3, True)) for v in people]
    per_page = 4 if size == "a6" else 8
    pages = [cards[i:i + per_page] for i in range(0, len(cards), per_page)]
    return render(request, "visitors/badge_sheet.html", {
        "event": event, "pages": pages, "size": size, "type_labels": VisitorType.labels()})


# ---- gate staff: scanner and walk-in kiosk ------------------------------------------------

@event_role(*STAFF)
async def gate(request: Request) -> Response:
    event = request.state.event
    if request.method == "POST":
        form = await read_form(request)
        gate_id = form.integer("gate")
        gate_row = await service.get_gate(event=event, gate_id=gate_id or 0)
        user = require_user(request)
        _token, plain = await service.create_device_token(
            event=event, gate=gate_row, label=f"{gate_row.name} · {user.name}"[:80], by=user)
        # The token travels in the fragment: never sent to the server, kept by the scanner.
        return redirect(_url(request, "visitors.scanner", slug=event.slug) + "#token=" + plain)
    return render(request, "visitors/gate.html", {
        "event": event, "gates": await service.list_gates(event=event),
        "counters": await service.counters(event=event)})


@event_role(*STAFF)
async def gate_counters(request: Request) -> Response:
    """The counters block alone, refreshed every few seconds on the Gate page (htmx)."""
    event = request.state.event
    return render(request, "visitors/_counters.html", {
        "event": event, "counters": await service.counters(event=event)})


@event_role(*STAFF)
async def scanner(request: Request) -> Response:
    event = request.state.event
    config = {"slug": event.slug, "api": f"/api/v1/events/{event.slug}",
              "wasm": str(request.url_for("static", path="vendor/barcode-detector/"
                                                          "zxing_reader.wasm").path),
              "bundleSeconds": BUNDLE_REFRESH_SECONDS,
              "messages": checkin.scanner_messages(), "gatePage": _url(request, "visitors.gate",
                                                                         slug=event.slug)}
    return render(request, "visitors/scanner.html", {"event": event, "config": config})


KIOSK_DEFAULTS = {"type": "umum", "kabupaten": "Kota Samarinda"}


@event_role(*STAFF)
async def kiosk(request: Request) -> Response:
    event = request.state.event
    form = Form(KIOSK_DEFAULTS)
    if request.method == "POST":
        form = await read_form(request)
        try:
            data = parse_visitor_form(form, kiosk=True)
        except FormInvalid:
            return render(request, "visitors/kiosk.html",
                          {"event": event, "form": form} | _choices(), 422)
        done = await service.register(event=event, data=data, source=Source.KIOSK,
                                      post=await _post(request, event.id))
        if not done.created:
            return render(request, "visitors/kiosk.html", {
                "event": event, "form": Form(KIOSK_DEFAULTS), "done": done} | _choices())
        return render(request, "visitors/kiosk_done.html",
                      await _ticket_context(request, done.visitor) | {"done": done})
    return render(request, "visitors/kiosk.html", {"event": event, "form": form} | _choices())


routes = [
    Route("/e/{slug}/register", register, methods=["GET", "POST"], name="visitors.register"),
    Route("/e/{slug}/register/group", register_group, methods=["GET", "POST"],
          name="visitors.register_group"),
    Route("/e/{slug}/tiket-saya", find_ticket, methods=["GET", "POST"],
          name="visitors.find_ticket"),
    Route("/t/{token}", ticket, name="visitors.ticket"),
    Route("/t/{token}/qr.png", ticket_png, name="visitors.ticket_png"),
    Route("/t/{token}/consent", consent, methods=["POST"], name="visitors.consent"),
    Route("/t/{token}/edit", ticket_edit, methods=["GET", "POST"], name="visitors.ticket_edit"),
    Route("/t/{token}/delete", ticket_delete, methods=["GET", "POST"],
          name="visitors.ticket_delete"),
    Route("/g/{token}", group, name="visitors.group"),
    Route("/manage/e/{slug}/visitors", visitor_list, name="visitors.list"),
    Route("/manage/e/{slug}/visitors/{vid:int}/edit", edit, methods=["GET", "POST"],
          name="visitors.edit"),
    Route("/manage/e/{slug}/visitors/{vid:int}/revoke", revoke, methods=["POST"],
          name="visitors.revoke"),
    Route("/manage/e/{slug}/visitors/{vid:int}/reinstate", reinstate, methods=["POST"],
          name="visitors.reinstate"),
    Route("/manage/e/{slug}/gates", gates, name="visitors.gates"),
    Route("/manage/e/{slug}/gates/new", gate_create, methods=["POST"], name="visitors.gate_create"),
    Route("/manage/e/{slug}/gates/rules", rules, methods=["POST"], name="visitors.rules"),
    Route("/manage/e/{slug}/gates/tokens", token_create, methods=["POST"],
          name="visitors.token_create"),
    Route("/manage/e/{slug}/gates/tokens/{tid:int}/revoke", token_revoke, methods=["POST"],
          name="visitors.token_revoke"),
    Route("/manage/e/{slug}/gates/ticket-keys/{kid}/rotate", ticket_key_rotate,
          methods=["POST"], name="visitors.ticket_key_rotate"),
    Route("/manage/e/{slug}/badges", badges, methods=["GET", "POST"], name="visitors.badges"),
    Route("/manage/e/{slug}/badges/exhibitors", badges_for_exhibitors, methods=["POST"],
          name="visitors.badges_exhibitors"),
    Route("/manage/e/{slug}/badges/sheet", badge_sheet, name="visitors.badge_sheet"),
    Route("/manage/e/{slug}/gate", gate, methods=["GET", "POST"], name="visitors.gate"),
    Route("/manage/e/{slug}/gate/counters", gate_counters, name="visitors.gate_counters"),
    Route("/manage/e/{slug}/gate/scanner", scanner, name="visitors.scanner"),
    Route("/manage/e/{slug}/kiosk", kiosk, methods=["GET", "POST"], name="visitors.kiosk"),
]
