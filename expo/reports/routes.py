"""Report pages: live dashboard, sales reports, doorprize draws, the event workbook."""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from expo.accounts.models import Role
from expo.accounts.permissions import current_user, public, require_user
from expo.errors import DomainError
from expo.events.permissions import event_role
from expo.events.service import viewable_event
from expo.exhibitors import service as exhibitors_service
from expo.forms import Form, FormInvalid
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.nav import ACCEPTED_EXHIBITOR, AFTER, DAY, Tab, register_tab
from expo.reports import dashboard as dash
from expo.reports import draws, jobs, service
from expo.reports.draw import ALGORITHM
from expo.reports.forms import parse_draw, parse_sales
from expo.reports.models import DrawRun, JobStatus
from expo.templating import flash, templates
from expo.visitors.models import VisitorType
from expo.web import read_form, redirect, render, settings_of
from expo.xlsx import XLSX_MIME

register_tab(Tab("reports.dashboard", _l("Dashboard"), frozenset({Role.COMMITTEE}), 10, phase=DAY))
register_tab(Tab("reports.sales", _l("Sales reports"), frozenset({Role.COMMITTEE}), 60,
                 phase=AFTER))
register_tab(Tab("reports.draws", _l("Doorprize"), frozenset({Role.COMMITTEE}), 65, phase=DAY))
register_tab(Tab("reports.exports", _l("Report workbook"), frozenset({Role.COMMITTEE}), 70,
                 phase=AFTER))
register_tab(Tab("reports.my_sales", _l("My sales"), frozenset({Role.EXHIBITOR}), 46, phase=AFTER,
                 needs=ACCEPTED_EXHIBITOR))


def _day_param(request: Request) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.query_params.get("day", ""))
    except ValueError:
        return None


def _url(request: Request, name: str, **params: object) -> str:
    return str(request.url_for(name, slug=request.state.event.slug, **params))


# ---- dashboard ---------------------------------------------------------------------------------

def _boards(request: Request) -> dash.BoardCache:
    """The app's dashboard cache (one per application instance)."""
    cache = getattr(request.app.state, "dashboard_boards", None)
    if cache is None:
        cache = request.app.state.dashboard_boards = dash.BoardCache()
    return cache


async def _board(request: Request) -> dash.Dashboard:
    """The day's figures and their rendered body, shared by everyone watching (a cached
    board is rendered once, not once per viewer)."""
    board = await _boards(request).board(event=request.state.event, day=_day_param(request))
    if not board.html:
        board.html = templates.get_template("reports/_dashboard_body.html").render(board=board)
    return board


@event_role(Role.COMMITTEE)
async def dashboard(request: Request) -> Response:
    board = await _board(request)
    return render(request, "reports/dashboard.html", {
        "event": request.state.event, "board": board, "body": Markup(board.html)})  # noqa: S704


@event_role(Role.COMMITTEE)
async def dashboard_live(request: Request) -> Response:
    return HTMLResponse((await _board(request)).html)


# ---- sales: the exhibitor's side ----------------------------------------------------------

async def _my_sales_page(request: Request, form: Form | None, day: dt.date | None,
                         status: int = 200) -> Response:
    event, user = request.state.event, require_user(request)
    app = await exhibitors_service.accepted_application(user=user, event=event)
    days = await service.event_days(event)
    day = dash.pick_day(days, day, dt.date.today())
    products = await service.products_of(app)
    report = await service.report_for(event=event, producer=app.producer, day=day) if day else None
    if form is None:
        lines = await service.lines_of(report)
        data: dict[str, object] = {"day": day.isoformat() if day else ""}
        if report is not None:
            data.update(omzet=report.omzet, units=report.units, note=report.note,
                        per_product="1" if report.per_product else "")
            for pid, line in lines.items():
                data.update({f"omzet_{pid}": line.omzet, f"units_{pid}": line.units})
        form = Form(data)
    return render(request, "reports/my_sales.html", {
        "event": event, "producer": app.producer, "days": days, "day": day, "form": form,
        "report": report, "products": products,
        "reports": await service.reports_of(event=event, producer=app.producer)}, status)


@event_role(Role.EXHIBITOR)
async def my_sales(request: Request) -> Response:
    if request.method != "POST":
        return await _my_sales_page(request, None, _day_param(request))
    event, user = request.state.event, require_user(request)
    app = await exhibitors_service.accepted_application(user=user, event=event)
    form = await read_form(request)
    products = await service.products_of(app)
    try:
        data = parse_sales(form, days=await service.event_days(event), products=products)
        await service.save_report(event=event, producer=app.producer, data=data, by=user)
    except FormInvalid:
        return await _my_sales_page(request, form, form.date("day", required=False), 422)
    except DomainError as exc:  # a rule of the report (a rehearsal, a day): said on the form
        form.error(exc.data.get("field", "__all__"), exc.message)
        return await _my_sales_page(request, form, form.date("day", required=False), 422)
    flash(request, _("Sales of %(day)s saved. Thank you!", day=data.day.strftime("%d/%m/%Y")))
    return redirect(_url(request, "reports.my_sales") + f"?day={data.day.isoformat()}")


# ---- sales: the committee's side ----------------------------------------------------------

@event_role(Role.COMMITTEE)
async def sales(request: Request) -> Response:
    event = request.state.event
    result = await service.overview(event=event, day=_day_param(request))
    return render(request, "reports/sales.html", {"event": event, "result": result})


@event_role(Role.COMMITTEE)
async def remind(request: Request) -> Response:
    event = request.state.event
    form = await read_form(request)
    day = form.date("day")
    if day is None:
        raise DomainError(form.errors.get("day", _("Choose a day.")), "bad_day", status_code=422)
    count = await service.send_reminders(event=event, day=day, settings=settings_of(request),
                                         by=require_user(request))
    flash(request, _("Reminder sent to %(n)s exhibitors.", n=count) if count
          else _("Everyone has reported: no reminder sent."))
    return redirect(_url(request, "reports.sales") + f"?day={day.isoformat()}")


# ---- doorprize draws ----------------------------------------------------------------------

def _type_options() -> list[tuple[str, str]]:
    return [(str(t), t.label) for t in draws.DRAWABLE_TYPES]


async def _draws_page(request: Request, form: Form, status: int = 200) -> Response:
    event = request.state.event
    return render(request, "reports/draws.html", {
        "event": event, "form": form, "draws": await draws.list_draws(event=event),
        "days": await service.event_days(event), "type_options": _type_options()}, status)


@event_role(Role.COMMITTEE)
async def draw_list(request: Request) -> Response:
    if request.method != "POST":
        return await _draws_page(request, Form({"count": "1"}))
    event = request.state.event
    form = await read_form(request)
    try:
        data = parse_draw(form, days=await service.event_days(event))
        run = await draws.perform(event=event, request=data, by=require_user(request))
    except FormInvalid:
        return await _draws_page(request, form, 422)
    except DomainError as exc:
        if exc.code == "draw_conflict":
            raise
        form.error("__all__", exc.message)
        return await _draws_page(request, form, 422)
    return redirect(_url(request, "reports.draw", draw_id=run.id))


@event_role(Role.COMMITTEE)
async def draw_detail(request: Request) -> Response:
    event = request.state.event
    run = await draws.get_draw(event=event, draw_id=request.path_params["draw_id"])
    return render(request, "reports/draw.html", {
        "event": event, "run": run, "winners": await draws.winners_of(run),
        "verified": await draws.verify(run), "algorithm": ALGORITHM,
        "type_labels": {str(k): str(v) for k, v in VisitorType.labels().items()}})


@event_role(Role.COMMITTEE)
async def draw_candidates(request: Request) -> Response:
    run = await draws.get_draw(event=request.state.event, draw_id=request.path_params["draw_id"])
    return _candidates_file(run)


@public
async def public_draws(request: Request) -> Response:
    event, _roles = await viewable_event(slug=request.path_params["slug"],
                                         user=current_user(request))
    return render(request, "reports/public_draws.html", {
        "event": event, "results": await draws.published(event=event), "algorithm": ALGORITHM,
        "type_labels": {str(k): str(v) for k, v in VisitorType.labels().items()}})


@public
async def public_candidates(request: Request) -> Response:
    event, _roles = await viewable_event(slug=request.path_params["slug"],
                                         user=current_user(request))
    run = await draws.get_published(event=event, number=request.path_params["number"])
    return _candidates_file(run)


def _candidates_file(run: DrawRun) -> Response:
    body = "\n".join(str(c) for c in run.candidates) + "\n"
    return PlainTextResponse(body, headers={
        "Content-Disposition": f'attachment; filename="draw-{run.number}-candidates.txt"'})


# ---- the event workbook -------------------------------------------------------------------

@event_role(Role.COMMITTEE)
async def exports(request: Request) -> Response:
    event, settings = request.state.event, settings_of(request)
    if request.method == "POST":
        job = await jobs.start_export(event=event, data_dir=settings.data_dir,
                                      database_url=settings.database_url,
                                      by=require_user(request))
        return redirect(_url(request, "reports.exports") + f"?job={job.id}")
    return render(request, "reports/exports.html", {
        "event": event, "jobs": await jobs.recent_jobs(event=event, data_dir=settings.data_dir),
        "labels": JobStatus.labels()})


@event_role(Role.COMMITTEE)
async def export_status(request: Request) -> Response:
    job = await jobs.job_status(event=request.state.event, job_id=request.path_params["job_id"],
                                data_dir=settings_of(request).data_dir)
    return render(request, "reports/_job.html", {"event": request.state.event, "job": job,
                                                  "labels": JobStatus.labels()})


@event_role(Role.COMMITTEE)
async def export_download(request: Request) -> Response:
    job = await jobs.get_job(event=request.state.event, job_id=request.path_params["job_id"])
    path = jobs.job_file(job, settings_of(request).data_dir)
    return FileResponse(path, media_type=XLSX_MIME, filename=job.file_name)


P = "/manage/e/{slug}"
routes = [
    Route(P + "/dashboard", dashboard, name="reports.dashboard"),
    Route(P + "/dashboard/live", dashboard_live, name="reports.dashboard_live"),
    Route(P + "/my-sales", my_sales, methods=["GET", "POST"], name="reports.my_sales"),
    Route(P + "/sales", sales, name="reports.sales"),
    Route(P + "/sales/remind", remind, methods=["POST"], name="reports.remind"),
    Route(P + "/draws", draw_list, methods=["GET", "POST"], name="reports.draws"),
    Route(P + "/draws/{draw_id:int}", draw_detail, name="reports.draw"),
    Route(P + "/draws/{draw_id:int}/candidates.txt", draw_candidates,
          name="reports.draw_candidates"),
    Route("/e/{slug}/doorprize", public_draws, name="reports.public_draws"),
    Route("/e/{slug}/doorprize/{number:int}/candidates.txt", public_candidates,
          name="reports.public_candidates"),
    Route(P + "/report", exports, methods=["GET", "POST"], name="reports.exports"),
    Route(P + "/report/jobs/{job_id:int}", export_status, name="reports.export_status"),
    Route(P + "/report/jobs/{job_id:int}/download", export_download,
          name="reports.export_download"),
]
