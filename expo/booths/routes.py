"""Floor plan editor, Excel import/export and the public map (thin handlers)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import expo.exhibitors.web  # noqa: F401  (registers the {id:pk} path convertor)
from expo import i18n
from expo.accounts.models import Role
from expo.accounts.permissions import current_user, public, require_user
from expo.cache import SharedBuilds
from expo.compression import deflate_part, gzip_parts
from expo.errors import DomainError
from expo.events.models import Event
from expo.events.permissions import event_role
from expo.events.service import viewable_event
from expo.exhibitors.import_models import ImportJob
from expo.forms import Form, FormInvalid
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.nav import DAY, SETUP, Tab, register_tab
from expo.offload import in_thread
from expo.staticfiles import accepts_gzip
from expo.templating import flash, templates
from expo.web import read_form, redirect, render, settings_of
from expo.xlsx import MAX_IMPORT_BYTES, XLSX_MIME

from . import forms, import_jobs, importer, mapview, service
from .models import BoothKind, BoothStatus, Hall

register_tab(Tab("booths.plan", _l("Floor plan"), frozenset({Role.COMMITTEE}), 40, phase=SETUP))
register_tab(Tab("booths.map", _l("Map"), frozenset(Role), 46, phase=DAY))


def _plan_url(request: Request, hall: Hall | None = None) -> str:
    url = request.url_for("booths.plan", slug=request.state.event.slug)
    return str(url.include_query_params(hall=hall.id) if hall else url)


async def _plan_context(request: Request, hall_id: str | None) -> dict[str, object]:
    event = request.state.event
    halls = await service.halls_of(event)
    hall = next((h for h in halls if str(h.id) == hall_id), halls[0] if halls else None)
    booths = await service.booths_of(event, hall) if hall else []
    return {"event": event, "halls": halls, "hall": hall, "booths": booths,
            "kinds": BoothKind.choices(), "BoothKind": BoothKind, "BoothStatus": BoothStatus,
            "booth_form": Form({"w": "3", "h": "3", "kind": "standard"}),
            "hall_form": Form({"width": "40", "depth": "30"}), "import_errors": [],
            "hall_edit_form": Form({"name": hall.name, "width": f"{hall.width:g}",
                                    "depth": f"{hall.depth:g}"}) if hall else Form()}


@event_role(Role.COMMITTEE)
async def plan(request: Request) -> Response:
    return render(request, "booths/plan.html",
                  await _plan_context(request, request.query_params.get("hall")))


async def _rerender(request: Request, hall_id: str | None, status: int = 422,
                    **extra: object) -> Response:
    context = await _plan_context(request, hall_id)
    context.update(extra)
    return render(request, "booths/plan.html", context, status)


@event_role(Role.COMMITTEE)
async def hall_save(request: Request) -> Response:
    event, form = request.state.event, await read_form(request)
    existing = request.path_params.get("hall_id")
    hall = await service.get_hall(event=event, hall_id=int(existing)) if existing else None
    try:
        name, width, depth = forms.parse_hall(form)
        hall = await service.save_hall(event=event, name=name, width=width, depth=depth,
                                       by=require_user(request), hall=hall)
    except DomainError as exc:
        if not isinstance(exc, FormInvalid):
            form.error(exc.data.get("field", "name"), exc.message)
        if hall is not None:
            return await _rerender(request, str(hall.id), hall_edit_form=form)
        return await _rerender(request, None, hall_form=form)
    flash(request, _("Hall saved."))
    return redirect(_plan_url(request, hall))


@event_role(Role.COMMITTEE)
async def hall_delete(request: Request) -> Response:
    """What deleting a hall would touch, with the button (GET); delete it (POST)."""
    event = request.state.event
    hall = await service.get_hall(event=event, hall_id=request.path_params["hall_id"])
    status, error = 200, ""
    if request.method == "POST":
        try:
            usage = await service.delete_hall(hall=hall, by=require_user(request))
        except DomainError as exc:
            status, error = exc.status_code, exc.message
        else:
            flash(request, _("Hall %(hall)s deleted with its %(n)s booths.", hall=hall.name,
                             n=usage.booths))
            return redirect(_plan_url(request))
    return render(request, "booths/hall_delete.html", {
        "event": event, "hall": hall, "usage": await service.hall_usage(hall=hall),
        "error": error}, status)


@event_role(Role.COMMITTEE)
async def booth_add(request: Request) -> Response:
    event, form = request.state.event, await read_form(request)
    hall = await service.get_hall(event=event, hall_id=forms.form_id(form, "hall") or 0)
    try:
        data = forms.parse_booth(form)
        await service.create_booths(event=event, hall=hall, items=[data],
                                    by=require_user(request))
    except DomainError as exc:
        if not isinstance(exc, FormInvalid):
            form.error(exc.data.get("field", "code"), exc.message)
        return await _rerender(request, str(hall.id), booth_form=form)
    flash(request, _("Booth %(code)s added.", code=data.code))
    return redirect(_plan_url(request, hall))


@event_role(Role.COMMITTEE)
async def booth_edit(request: Request) -> Response:
    event = request.state.event
    booth = await service.get_booth(event=event, booth_id=request.path_params["booth_id"])
    form = forms.booth_form(booth)
    status = 200
    if request.method == "POST":
        form = await read_form(request)
        try:
            await service.update_booth(booth=booth, data=forms.parse_booth(form),
                                       by=require_user(request))
            flash(request, _("Booth %(code)s saved.", code=booth.code))
            return redirect(_plan_url(request, booth.hall))
        except DomainError as exc:
            if not isinstance(exc, FormInvalid):
                form.error(exc.data.get("field", "code"), exc.message)
            status = 422
    return render(request, "booths/booth_form.html", {
        "event": event, "booth": booth, "form": form,
        "kinds": BoothKind.choices()}, status)


@event_role(Role.COMMITTEE)
async def booth_move(request: Request) -> Response:
    """Drag and resize from the editor: JSON back, 422 with a message when refused."""
    event, form = request.state.event, await read_form(request)
    booth = await service.get_booth(event=event, booth_id=request.path_params["booth_id"])
    current = forms.booth_form(booth)
    merged = Form({**current.data, **{k: form.raw(k) for k in ("x", "y", "w", "h")
                                      if form.raw(k)}})
    try:
        booth = await service.update_booth(booth=booth, data=forms.parse_booth(merged),
                                           by=require_user(request))
    except DomainError as exc:
        message = "; ".join(merged.errors.values()) if isinstance(exc, FormInvalid) \
            else exc.message
        return JSONResponse({"error": exc.code, "message": message}, status_code=422)
    return JSONResponse({"ok": True, "x": booth.x, "y": booth.y, "w": booth.w, "h": booth.h})


@event_role(Role.COMMITTEE)
async def booth_duplicate(request: Request) -> Response:
    event, form = request.state.event, await read_form(request)
    booth = await service.get_booth(event=event, booth_id=request.path_params["booth_id"])
    count = form.integer("count", low=1, high=service.MAX_ROW)
    direction = form.choice("direction", ["right", "down"], required=False) or "right"
    gap = forms.decimal(form, "gap", high=50, default=0)
    try:
        if not form.valid or count is None:
            raise DomainError(_("Enter how many copies (1 to %(n)s) and a gap in metres.",
                                n=service.MAX_ROW), "form_invalid")
        made = await service.duplicate_row(booth=booth, count=count, by=require_user(request),
                                           gap=gap, direction=direction)
    except DomainError as exc:  # on the plan, beside that booth's row form, as typed
        return await _rerender(request, str(booth.hall_id), exc.status_code,  # type: ignore[attr-defined]
                               dup_form=form, dup_booth=booth.id, dup_error=exc.message)
    flash(request, _("%(n)s booths added: %(first)s to %(last)s.", n=len(made),
                     first=made[0].code, last=made[-1].code))
    return redirect(_plan_url(request, booth.hall))


@event_role(Role.COMMITTEE)
async def booth_delete(request: Request) -> Response:
    booth = await service.get_booth(event=request.state.event,
                                    booth_id=request.path_params["booth_id"])
    await service.delete_booth(booth=booth, by=require_user(request))
    flash(request, _("Booth %(code)s deleted.", code=booth.code))
    return redirect(_plan_url(request, booth.hall))


def _xlsx(data: bytes, name: str) -> Response:
    return Response(data, media_type=XLSX_MIME,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@event_role(Role.COMMITTEE)
async def export(request: Request) -> Response:
    event = request.state.event
    return _xlsx(await importer.export_booths(event), f"booths-{event.slug}.xlsx")


@event_role(Role.COMMITTEE)
async def template(request: Request) -> Response:
    return _xlsx(importer.template_bytes(), "booths-template.xlsx")


@event_role(Role.COMMITTEE)
async def import_(request: Request) -> Response:
    event = request.state.event
    async with request.form(max_files=1, max_fields=10) as data:
        upload = data.get("file")
        # A missing field, or a plain text field of that name, reads as no file.
        content = await upload.read(MAX_IMPORT_BYTES + 1) if isinstance(upload, UploadFile) else b""
    if not content:
        return await _rerender(request, None, import_errors=[_("Choose an .xlsx file.")])
    try:
        report = await import_jobs.import_or_queue(event=event, data=content,
                                                   by=require_user(request),
                                                   uploads_dir=settings_of(request).uploads_dir)
    except DomainError as exc:  # on the plan page, beside the form to try another file
        return await _rerender(request, None, exc.status_code,
                               import_errors=[exc.message, *exc.data.get("rows", [])])
    if isinstance(report, ImportJob):  # a large file: imported by the job queue
        return redirect(str(request.url_for("exhibitors.import_job", slug=event.slug,
                                            import_id=report.id)))
    flash(request, _("Import done: %(c)s new booths, %(u)s updated.", c=report.created,
                     u=report.updated))
    return redirect(_plan_url(request))


# The public map's bulk is the same for every viewer of an event, filter and language; the page
# around it is not (the session's CSRF token, the signed-in name, a flash). Its cache key holds
# the plan's version from the database (``service.bump_plan_version``: every change that the
# map shows adds one), so a change shows at every worker's and host's next request; the
# entries need no expiry to be right. The hour is a backstop for writes that skip the
# services (seeding a demo by hand); the size bounds the memory (about 0.35 MB an entry).
MAP_TTL = 3600.0
MAP_ENTRIES = 64
_SLOT = "<!--expo:map-body-->"  # where the cached bulk goes in the rendered frame


@dataclass(frozen=True)
class MapBody:
    """The built bulk of a public map: UTF-8, its gzip part (``expo.compression``), a digest."""

    raw: bytes
    deflated: bytes
    digest: bytes


MapKey = tuple[int, str, int, str, str, str, str, str]


def _maps(request: Request) -> SharedBuilds[MapKey, MapBody]:
    """The app's built public maps (one cache per application instance)."""
    maps = getattr(request.app.state, "public_maps", None)
    if maps is None:
        maps = request.app.state.public_maps = SharedBuilds(ttl=MAP_TTL, size=MAP_ENTRIES)
    return maps  # type: ignore[no-any-return]


def _render_map(request: Request, context: dict[str, Any]) -> MapBody:
    """Rendered, encoded and compressed once per version, filter and language (a thread)."""
    raw = templates.get_template("booths/_map_body.html").render(
        request=request, **context).encode()
    return MapBody(raw=raw, deflated=deflate_part(raw),
                   digest=hashlib.blake2b(raw, digest_size=16).digest())


def _etag(event: Event, body: MapBody, frame: bytes) -> str:
    """Weak (the gzip and plain bytes are one page); the same on every worker and host for the
    same page, another for a new version or another frame (signed in, another session)."""
    digest = hashlib.blake2b(body.digest + frame, digest_size=12).hexdigest()
    return f'W/"map-{event.plan_version}-{digest}"'


def _matches(if_none_match: str, etag: str) -> bool:
    wanted = etag.removeprefix("W/")
    return any(tag.strip() == "*" or tag.strip().removeprefix("W/") == wanted
               for tag in if_none_match.split(","))


@public
async def public_map(request: Request) -> Response:
    """Every visitor's phone opens it: 1,000 booths are built, rendered and compressed once
    per plan version, filter and language, in a thread (the loop keeps answering the gates);
    a request renders only the page around them and splices the cached bytes in."""
    event, _roles = await viewable_event(slug=request.path_params["slug"],
                                         user=current_user(request))
    q, category, cluster = (request.query_params.get(name, "")[:100]
                            for name in ("q", "category", "cluster"))

    async def build() -> MapBody:
        view = await mapview.map_view(event, q=q, category=category, cluster=cluster)
        return await in_thread(_render_map, request, {
            "event": event, "view": view, "q": q, "category": category, "cluster": cluster,
            "states": list(mapview.StandState),
            "filtered": bool(q or category or cluster)})

    # The event's creation time too: an event deleted and made again (``demo --reset`` on
    # SQLite, which may give the id again) starts again at version 0.
    key = (event.id, event.created_at.isoformat(), event.plan_version, event.slug, q, category,
           cluster, i18n.get_locale())
    body = await _maps(request).get(key, build)
    page = render(request, "booths/map.html", {
        "event": event, "body": Markup(_SLOT)})  # noqa: S704 (a constant comment)
    head, _slot, tail = bytes(page.body).partition(_SLOT.encode())
    etag = _etag(event, body, head + tail)
    headers = {"ETag": etag, "Vary": "Accept-Encoding", "Cache-Control": "private, no-cache"}
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    if accepts_gzip(request.headers.get("accept-encoding", "")):
        content = gzip_parts([(head, None), (body.raw, body.deflated), (tail, None)])
        headers["Content-Encoding"] = "gzip"
    else:
        content = b"".join((head, body.raw, tail))
    return Response(content, media_type=page.media_type, headers=headers)


@public
async def stand_page(request: Request) -> Response:
    event, _roles = await viewable_event(slug=request.path_params["slug"],
                                         user=current_user(request))
    item = await mapview.stand(event, request.path_params["code"])
    return render(request, "booths/stand.html", {"event": event, "item": item,
                                                 "BoothKind": BoothKind})


_B = "/manage/e/{slug}/booths"
routes = [
    Route(_B, plan, name="booths.plan"),
    Route(_B + "/halls", hall_save, methods=["POST"], name="booths.hall_add"),
    Route(_B + "/halls/{hall_id:pk}", hall_save, methods=["POST"], name="booths.hall_save"),
    Route(_B + "/halls/{hall_id:pk}/delete", hall_delete, methods=["GET", "POST"],
          name="booths.hall_delete"),
    Route(_B + "/add", booth_add, methods=["POST"], name="booths.booth_add"),
    Route(_B + "/{booth_id:pk}/edit", booth_edit, methods=["GET", "POST"],
          name="booths.booth_edit"),
    Route(_B + "/{booth_id:pk}/move", booth_move, methods=["POST"], name="booths.booth_move"),
    Route(_B + "/{booth_id:pk}/duplicate", booth_duplicate, methods=["POST"],
          name="booths.booth_duplicate"),
    Route(_B + "/{booth_id:pk}/delete", booth_delete, methods=["POST"],
          name="booths.booth_delete"),
    Route(_B + "/export.xlsx", export, name="booths.export"),
    Route(_B + "/template.xlsx", template, name="booths.template"),
    Route(_B + "/import", import_, methods=["POST"], name="booths.import"),
    Route("/e/{slug}/map", public_map, name="booths.map"),
    Route("/e/{slug}/stand/{code}", stand_page, name="booths.stand"),
]
