"""The committee's side: review queue, application page, scoring, decisions, rubric,
quotas, Excel import and export."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from expo.accounts.models import Role
from expo.accounts.permissions import require_user
from expo.errors import DomainError
from expo.events.permissions import event_role
from expo.exhibitors import curation, exporter, import_jobs, importer, notify, service
from expo.exhibitors import navigation as _navigation  # noqa: F401 - the tabs' conditions
from expo.exhibitors.import_models import ImportJob
from expo.exhibitors.models import DECISIONS, Application, AppStatus, Category, CriterionSource
from expo.exhibitors.web import choices, read_multipart
from expo.forms import Form
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.nav import REGISTRATION, SETUP, Tab, register_tab
from expo.regions import KALTIM
from expo.templating import flash
from expo.web import MAX_FIELDS, MAX_PART, absolute_url, read_form, redirect, render, settings_of
from expo.whatsapp import wa_link
from expo.xlsx import MAX_IMPORT_BYTES, XLSX_MIME

STAFF = (Role.COMMITTEE, Role.CURATOR)
MAX_ID = 2**31 - 1
register_tab(Tab("exhibitors.queue", _l("Applications"), frozenset(STAFF), 20, phase=REGISTRATION))
register_tab(Tab("exhibitors.rubric", _l("Curation"), frozenset({Role.COMMITTEE}), 21, phase=SETUP))
register_tab(Tab("exhibitors.import", _l("Import producers"), frozenset({Role.COMMITTEE}), 22,
                 phase=REGISTRATION))


def _filters(request: Request) -> curation.QueueFilters:
    q = request.query_params
    return curation.QueueFilters(**{k: q.get(k, "")[:100] for k in (
        "status", "category", "kabupaten", "cluster", "smk", "legality", "q")},
        sort=q.get("sort", "score"))


async def _queue_page(request: Request, status_code: int = 200,
                      warnings: list[str] | None = None, form: Form | None = None) -> Response:
    event = request.state.event
    filters = _filters(request)
    return render(request, "exhibitors/queue.html", choices() | {
        "event": event, "queue": await curation.queue(event=event, filters=filters),
        "filters": filters, "clusters": await service.cluster_suggestions(),
        "can_decide": await curation.can_decide(event, request.state.roles),
        "warnings": warnings or [], "form": form or Form(),
        "decisions": [d.value for d in DECISIONS]}, status_code)


@event_role(*STAFF)
async def queue(request: Request) -> Response:
    return await _queue_page(request)


async def _review_page(request: Request, application: Application, status_code: int = 200,
                       form: Form | None = None, warnings: list[str] | None = None) -> Response:
    event = request.state.event
    producer = application.producer
    user = require_user(request)
    result = await curation.breakdown(application)
    text = _("Hello %(name)s, this is the committee of %(event)s.", name=producer.owner_name,
             event=event.name)
    return render(request, "exhibitors/review.html", choices() | {
        "event": event, "application": application, "producer": producer,
        "products": await service.products_of(producer),
        "documents": await service.documents_of(producer),
        "result": result, "mine": result.matrix.get(user.id, {}),
        "can_score": bool(request.state.roles & {Role.CURATOR, Role.COMMITTEE}),
        "can_decide": await curation.can_decide(event, request.state.roles),
        "wa": wa_link(producer.phone, text), "form": form or Form(),
        "wa_decision": _wa_decision(application),
        "warnings": warnings or [], "legality": producer.legality_items(),
        "decisions": [d.value for d in DECISIONS]}, status_code)


def _wa_decision(application: Application) -> str:
    """A WhatsApp link with the decision written out, for the committee to send."""
    if application.status not in DECISIONS:
        return ""
    notice = notify.decision_notice(application.status, application.event,
                                    application.decision_message)
    return wa_link(application.producer.phone, f"{notice.subject}\n\n{notice.text}")


async def _staff_app(request: Request) -> Application:
    return await curation.staff_application(event=request.state.event,
                                            application_id=request.path_params["application_id"])


@event_role(*STAFF)
async def review(request: Request) -> Response:
    return await _review_page(request, await _staff_app(request))


@event_role(*STAFF)
async def score(request: Request) -> Response:
    application = await _staff_app(request)
    form = await read_form(request)
    values: dict[int, int] = {}
    for criterion in await curation.criteria_of(request.state.event):
        if criterion.source != CriterionSource.MANUAL:
            continue
        value = form.integer(f"c{criterion.id}", required=False, low=0, high=curation.MAX_SCORE)
        if value is not None:
            values[criterion.id] = value
    if not form.valid:
        return await _review_page(request, application, 422, form)
    await curation.record_scores(application=application, curator=require_user(request),
                                 values=values)
    flash(request, _("Scores saved."))
    return redirect(str(request.url_for("exhibitors.review", slug=request.state.event.slug,
                                        application_id=application.id)))


async def _decide(request: Request, ids: list[int], form: Form) -> list[str] | None:
    """Run a decision; returns quota warnings when it needs confirmation."""
    decision = form.choice("decision", [d.value for d in DECISIONS])
    if not form.valid:
        raise DomainError(_("Choose accept, waiting list or reject."), "bad_decision")
    try:
        await curation.decide_many(
            event=request.state.event, application_ids=ids, decision=AppStatus(decision),
            message=form.text("message", required=False, max_length=2000),
            by=require_user(request), roles=request.state.roles,
            settings=settings_of(request), confirm_over_quota=form.boolean("confirm"))
    except DomainError as exc:
        if exc.code == "quota_exceeded":
            return list(exc.data["warnings"])
        if exc.code == "reason_required":
            form.error("message", exc.message)
            return []
        raise
    return None


@event_role(*STAFF)
async def decide(request: Request) -> Response:
    application = await _staff_app(request)
    form = await read_form(request)
    warnings = await _decide(request, [application.id], form)
    if warnings is not None:
        return await _review_page(request, application, 409 if warnings else 422, form, warnings)
    flash(request, _("Decision saved and the producer notified."))
    return redirect(str(request.url_for("exhibitors.review", slug=request.state.event.slug,
                                        application_id=application.id)))


@event_role(*STAFF)
async def bulk_decide(request: Request) -> Response:
    data = await request.form(max_fields=MAX_FIELDS, max_part_size=MAX_PART)
    await data.close()
    ids = [int(v) for v in data.getlist("ids")
           if isinstance(v, str) and v.isdigit() and len(v) <= 9]
    form = Form({k: v for k, v in data.items() if isinstance(v, str)})
    if not ids:
        raise DomainError(_("Tick at least one application."), "nothing_selected")
    warnings = await _decide(request, ids, form)
    if warnings is not None:
        form.data["ids"] = ids
        return await _queue_page(request, 409 if warnings else 422, warnings, form)
    flash(request, _("%(n)s decisions saved and the producers notified.", n=len(ids)))
    return redirect(str(request.url_for("exhibitors.queue", slug=request.state.event.slug)))


async def _rubric_page(request: Request, status_code: int = 200,
                       form: Form | None = None) -> Response:
    event = request.state.event
    settings = await curation.settings_for(event)
    quotas = await curation.quotas_of(event)
    return render(request, "exhibitors/rubric.html", choices() | {
        "event": event, "criteria": await curation.criteria_of(event), "quotas": quotas,
        "settings": settings, "form": form or Form({"weight": "1", "source": "manual"}),
        "accepted": await curation.accepted_counts(event),
        "kabupaten_list": KALTIM, "categories": [c.value for c in Category]}, status_code)


@event_role(Role.COMMITTEE)
async def rubric(request: Request) -> Response:
    event = request.state.event
    if request.method == "GET":
        return await _rubric_page(request)
    form = await read_form(request)
    user = require_user(request)
    action = form.raw("action")
    if action == "add":
        name = form.text("name", max_length=80)
        weight = form.integer("weight", low=0, high=100)
        source = form.choice("source", [s.value for s in CriterionSource])
        if not form.valid:
            return await _rubric_page(request, 422, form)
        await curation.add_criterion(event=event, name=name, weight=weight or 0,
                                     source=CriterionSource(source), by=user)
    elif action == "suggested":
        await curation.add_suggested_rubric(event=event, by=user)
    elif action == "weights":
        weights = {}
        for criterion in await curation.criteria_of(event):
            value = form.integer(f"w{criterion.id}", low=0, high=100)
            if value is not None:
                weights[criterion.id] = value
        if not form.valid:
            return await _rubric_page(request, 422, form)
        await curation.update_weights(event=event, weights=weights, by=user)
    elif action == "delete":
        criterion_id = form.integer("criterion", high=MAX_ID)
        await curation.delete_criterion(
            event=event, criterion_id=criterion_id if criterion_id and form.valid else 0, by=user)
    elif action == "settings":
        await curation.update_settings(
            event=event, terms=form.text("terms", required=False, max_length=5000),
            curators_can_decide=form.boolean("curators_can_decide"), by=user)
    elif action == "quotas":
        limits: dict[tuple[str, str], int | None] = {}
        for kind, keys in (("category", [c.value for c in Category]), ("kabupaten", KALTIM)):
            for i, key in enumerate(keys):
                limits[(kind, key)] = form.integer(f"q-{kind}-{i}", required=False, low=0,
                                                   high=10_000)
        if not form.valid:
            return await _rubric_page(request, 422, form)
        await curation.set_quotas(event=event, limits=limits, by=user)
    else:
        raise DomainError(_("Unknown action."), "bad_action")
    flash(request, _("Saved."))
    return redirect(str(request.url_for("exhibitors.rubric", slug=event.slug)))


@event_role(*STAFF)
async def export(request: Request) -> Response:
    event = request.state.event
    data = await exporter.applications_xlsx(event)
    return Response(data, media_type=XLSX_MIME, headers={
        "Content-Disposition": f'attachment; filename="applications-{event.slug}.xlsx"'})


@event_role(Role.COMMITTEE)
async def import_template(request: Request) -> Response:
    return Response(importer.template_bytes(), media_type=XLSX_MIME, headers={
        "Content-Disposition": 'attachment; filename="expo-producers-template.xlsx"'})


@event_role(Role.COMMITTEE)
async def import_page(request: Request) -> Response:
    event = request.state.event
    if request.method == "GET":
        return render(request, "exhibitors/import.html", {"event": event, "preview": None,
                                                          "form": Form()})
    form, upload = await read_multipart(request, MAX_IMPORT_BYTES)
    uploads_dir = settings_of(request).uploads_dir
    if upload is None:
        form.error("file", _("Choose an .xlsx file."))
        return render(request, "exhibitors/import.html",
                      {"event": event, "preview": None, "form": form}, 422)
    try:
        preview = await importer.preview(data=upload.data, event=event, uploads_dir=uploads_dir)
    except DomainError as exc:
        form.error("file", exc.message)
        return render(request, "exhibitors/import.html",
                      {"event": event, "preview": None, "form": form}, exc.status_code)
    return render(request, "exhibitors/import.html", {
        "event": event, "preview": preview, "form": form},
        200 if preview.ok else 422)


@event_role(Role.COMMITTEE)
async def import_commit(request: Request) -> Response:
    event = request.state.event
    form = await read_form(request)
    outcome = await import_jobs.commit_producers(
        token=form.raw("token"), event=event, by=require_user(request),
        uploads_dir=settings_of(request).uploads_dir,
        link_base=absolute_url(request, "accounts.reset"))
    if isinstance(outcome, ImportJob):  # a large file: imported by the job queue
        return redirect(str(request.url_for("exhibitors.import_job", slug=event.slug,
                                            import_id=outcome.id)))
    flash(request, _("%(n)s producers imported; invitations were sent.", n=outcome.created))
    return redirect(str(request.url_for("exhibitors.queue", slug=event.slug)))


async def _import_context(request: Request) -> dict[str, object]:
    event = request.state.event
    record = await import_jobs.get_import(event=event,
                                          import_id=request.path_params["import_id"])
    return {"event": event, "record": record}


@event_role(Role.COMMITTEE)
async def import_job(request: Request) -> Response:
    """A queued import's page: its progress, then its result or why nothing was imported."""
    return render(request, "exhibitors/import_job.html", await _import_context(request))


@event_role(Role.COMMITTEE)
async def import_job_status(request: Request) -> Response:
    """The part of the import's page that polls (htmx)."""
    return render(request, "exhibitors/_import_job.html", await _import_context(request))


routes = [
    Route("/manage/e/{slug}/applications", queue, name="exhibitors.queue"),
    Route("/manage/e/{slug}/applications/export.xlsx", export, name="exhibitors.export"),
    Route("/manage/e/{slug}/applications/bulk", bulk_decide, methods=["POST"],
          name="exhibitors.bulk_decide"),
    Route("/manage/e/{slug}/applications/{application_id:pk}", review, name="exhibitors.review"),
    Route("/manage/e/{slug}/applications/{application_id:pk}/score", score, methods=["POST"],
          name="exhibitors.score"),
    Route("/manage/e/{slug}/applications/{application_id:pk}/decide", decide,
          methods=["POST"], name="exhibitors.decide"),
    Route("/manage/e/{slug}/curation", rubric, methods=["GET", "POST"], name="exhibitors.rubric"),
    Route("/manage/e/{slug}/import", import_page, methods=["GET", "POST"],
          name="exhibitors.import"),
    Route("/manage/e/{slug}/import/template.xlsx", import_template,
          name="exhibitors.import_template"),
    Route("/manage/e/{slug}/import/commit", import_commit, methods=["POST"],
          name="exhibitors.import_commit"),
    Route("/manage/e/{slug}/imports/{import_id:int}", import_job, name="exhibitors.import_job"),
    Route("/manage/e/{slug}/imports/{import_id:int}/status", import_job_status,
          name="exhibitors.import_job_status"),
]
