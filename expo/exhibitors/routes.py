"""The producer's side: sign-up, profile, products, documents, applications, dashboard."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import NoMatchFound, Route

from expo.accounts.permissions import current_user, login_required, public, require_user, sign_in
from expo.errors import DomainError, NotFound
from expo.events.models import Event
from expo.exhibitors import curation, requirements, service, signup_link, uploads
from expo.exhibitors.forms import (
    form_from_producer,
    form_from_product,
    parse_application,
    parse_document,
    parse_product,
    parse_profile,
    parse_signup,
)
from expo.exhibitors.models import AppStatus, Producer
from expo.exhibitors.requirements_routes import routes as requirements_routes
from expo.exhibitors.review import routes as review_routes
from expo.exhibitors.signup_link import Registration, SignupEvent
from expo.exhibitors.web import choices, read_multipart
from expo.forms import Form, FormInvalid
from expo.i18n import gettext as _
from expo.templating import flash
from expo.web import absolute_url, read_form, redirect, render, settings_of

DOCUMENT_CSP = "default-src 'none'; sandbox"


def _page(request: Request, template: str, context: dict[str, object],
          status_code: int = 200) -> Response:
    return render(request, template, choices() | context, status_code)


async def _producer(request: Request) -> Producer:
    return await service.require_producer(require_user(request))


def _signin_url(request: Request, target: SignupEvent | None) -> str:
    """The sign-in link of the sign-up page: back to this event's application afterwards."""
    back = request.app.url_path_for("exhibitors.dashboard")
    if target is not None and target.accepts:
        back = request.app.url_path_for("exhibitors.signup") + "?" + urlencode(
            {"event": target.slug})
    return request.app.url_path_for("accounts.login") + "?" + urlencode({"next": back})


def _to_event(request: Request, target: SignupEvent | None) -> Response:
    """A producer who already has a profile: on to the event's application if it takes one."""
    if target is not None and target.accepts:
        assert target.event is not None
        return redirect(str(request.url_for("exhibitors.apply", slug=target.event.slug)))
    if target is not None:
        flash(request, target.notice, "warning")
    return redirect(str(request.url_for("exhibitors.dashboard")))


def _after_signup(request: Request, done: Registration) -> Response:
    """A new profile: on to its draft application to the event of the link, else the profile."""
    if done.application is not None and done.event is not None:
        flash(request, _("Welcome! Your draft application to %(event)s is ready: complete it "
                         "and send it to the committee.", event=done.event.name))
        return redirect(str(request.url_for("exhibitors.apply", slug=done.event.slug)))
    if done.notice:
        flash(request, done.notice, "warning")
    flash(request, _("Welcome! Complete your business profile."))
    return redirect(str(request.url_for("exhibitors.profile")))


def _signup_page(request: Request, form: Form, target: SignupEvent | None,
                 status_code: int = 200) -> Response:
    return _page(request, "exhibitors/signup.html", {
        "form": form, "signup_event": target, "signin_url": _signin_url(request, target)},
        status_code)


@public
async def signup(request: Request) -> Response:
    user = current_user(request)
    form = Form({"kabupaten": "Kota Samarinda", "category": "kuliner"})
    slug = request.query_params.get("event")
    if request.method == "POST":
        form = await read_form(request)
        slug = form.raw("event") or slug
    target = await signup_link.signup_event(slug)
    if user is not None and await service.producer_for(user) is not None:
        return _to_event(request, target)
    if request.method == "GET":
        return _signup_page(request, form, target)
    try:
        data = parse_signup(form, account_email=user.email if user else "")
        done = await signup_link.register(data=data, user=user, target=target)
    except FormInvalid:
        pass
    except DomainError as exc:
        form.error("email" if exc.code == "email_taken" else "__all__", exc.message)
    else:
        if user is None:
            await sign_in(request, done.user)
        return _after_signup(request, done)
    form.data.pop("password", None)
    form.data.pop("password2", None)
    return _signup_page(request, form, target, 422)


@login_required
async def dashboard(request: Request) -> Response:
    producer = await service.producer_for(require_user(request))
    if producer is None:
        return redirect(str(request.url_for("exhibitors.signup")))
    board = await service.dashboard(producer)
    await service.mark_inbox_read(producer)
    return _page(request, "exhibitors/dashboard.html", {"board": board, "producer": producer})


@login_required
async def profile(request: Request) -> Response:
    producer = await _producer(request)
    clusters = await service.cluster_suggestions()
    if request.method == "POST":
        form = await read_form(request)
        try:
            values = parse_profile(form)
        except FormInvalid:
            return _page(request, "exhibitors/profile.html",
                         {"form": form, "producer": producer, "clusters": clusters}, 422)
        await service.update_profile(producer=producer, values=values, by=require_user(request))
        flash(request, _("Profile saved."))
        return redirect(str(request.url_for("exhibitors.profile")))
    return _page(request, "exhibitors/profile.html", {
        "form": form_from_producer(producer), "producer": producer, "clusters": clusters})


@login_required
async def members(request: Request) -> Response:
    producer = await _producer(request)
    form = Form()
    status = 200
    if request.method == "POST":
        form = await read_form(request)
        email = form.email("email")
        name = form.text("name", required=False, max_length=120)
        if form.valid:
            try:
                await service.add_member(producer=producer, email=email, name=name,
                                         by=require_user(request),
                                         settings=settings_of(request),
                                         link_base=absolute_url(request, "accounts.reset"))
            except DomainError as exc:
                form.error("email", exc.message)
            else:
                flash(request, _("%(email)s can now sign in for your business.", email=email))
                return redirect(str(request.url_for("exhibitors.members")))
        status = 422
    return _page(request, "exhibitors/members.html", {
        "form": form, "members": await service.members_of(producer)}, status)


def _listing_url(request: Request) -> str:
    """The producer's catalogue listing page, where procurement is mounted."""
    try:
        return str(request.app.url_path_for("procurement.listing_mine"))
    except NoMatchFound:
        return ""


async def _save_product(request: Request, producer: Producer, product=None) -> Response:  # type: ignore[no-untyped-def]
    form, upload = await read_multipart(request, uploads.MAX_PHOTO_BYTES, "photo")
    status = 422
    kinds = await service.kinds_in_use()
    try:
        values = parse_product(form, known_kinds=kinds)
        await service.save_product(
            producer=producer, values=values, photo=upload.data if upload else None,
            uploads_dir=settings_of(request).uploads_dir, by=require_user(request),
            product=product)
    except FormInvalid:
        pass
    except DomainError as exc:
        form.error("photo", exc.message)
        status = exc.status_code
    else:
        flash(request, _("Product saved."))
        return redirect(str(request.url_for("exhibitors.products")))
    if product is not None:
        return _page(request, "exhibitors/product_form.html",
                     {"form": form, "product": product, "kinds": kinds}, status)
    return _page(request, "exhibitors/products.html", {
        "form": form, "products": await service.products_of(producer), "kinds": kinds,
        "listing_url": _listing_url(request)}, status)


@login_required
async def products(request: Request) -> Response:
    producer = await _producer(request)
    if request.method == "POST":
        return await _save_product(request, producer)
    return _page(request, "exhibitors/products.html", {
        "form": Form({"capacity_unit": _("pcs"), "capacity_period": "week", "min_order": "1"}),
        "products": await service.products_of(producer), "kinds": await service.kinds_in_use(),
        "listing_url": _listing_url(request)})


@login_required
async def product_edit(request: Request) -> Response:
    producer = await _producer(request)
    product = await service.get_product(producer=producer,
                                        product_id=request.path_params["product_id"])
    if request.method == "POST":
        return await _save_product(request, producer, product)
    return _page(request, "exhibitors/product_form.html", {
        "form": form_from_product(product), "product": product,
        "kinds": await service.kinds_in_use()})


@login_required
async def product_delete(request: Request) -> Response:
    producer = await _producer(request)
    await service.delete_product(producer=producer, product_id=request.path_params["product_id"],
                                 uploads_dir=settings_of(request).uploads_dir,
                                 by=require_user(request))
    flash(request, _("Product deleted."))
    return redirect(str(request.url_for("exhibitors.products")))


@login_required
async def product_photo(request: Request) -> Response:
    product = await service.viewable_product(user=require_user(request),
                                             product_id=request.path_params["product_id"])
    path = uploads.photo_path(settings_of(request).uploads_dir, product.photo,
                              thumb=request.path_params["size"] == "thumb")
    if not path.exists():
        raise NotFound()
    return FileResponse(path, media_type="image/jpeg",
                        headers={"Cache-Control": "private, max-age=3600"})


@login_required
async def documents(request: Request) -> Response:
    producer = await _producer(request)
    form = Form({"kind": "nib"})
    status = 200
    if request.method == "POST":
        form, upload = await read_multipart(request, uploads.MAX_DOCUMENT_BYTES)
        status = 422
        try:
            values = parse_document(form)
            if upload is None:
                form.error("file", _("Choose a file to upload."))
                form.check()
            assert upload is not None
            await service.add_document(
                producer=producer, values=values, data=upload.data,
                original_name=upload.filename, uploads_dir=settings_of(request).uploads_dir,
                by=require_user(request))
        except FormInvalid:
            pass
        except DomainError as exc:
            form.error("file", exc.message)
            status = exc.status_code
        else:
            flash(request, _("Document uploaded."))
            return redirect(str(request.url_for("exhibitors.documents")))
    return _page(request, "exhibitors/documents.html", {
        "form": form, "documents": await service.documents_of(producer),
        "drafts": await requirements.drafts_of(producer),
        "max_mb": uploads.MAX_DOCUMENT_BYTES // 2**20}, status)


@login_required
async def document_file(request: Request) -> Response:
    document = await service.viewable_document(user=require_user(request),
                                               document_id=request.path_params["document_id"])
    path = uploads.document_path(settings_of(request).uploads_dir, document.stored_name)
    if not path.exists():
        raise NotFound()
    ext = uploads.EXTENSIONS.get(document.content_type, "bin")
    return FileResponse(path, media_type=document.content_type,
                        filename=f"{document.kind.value}-{document.id}.{ext}",
                        content_disposition_type="inline",
                        headers={"Content-Security-Policy": DOCUMENT_CSP,
                                 "X-Content-Type-Options": "nosniff",
                                 "Cache-Control": "private, no-store"})


@login_required
async def document_delete(request: Request) -> Response:
    producer = await _producer(request)
    await service.delete_document(producer=producer,
                                  document_id=request.path_params["document_id"],
                                  uploads_dir=settings_of(request).uploads_dir,
                                  by=require_user(request))
    flash(request, _("Document deleted."))
    return redirect(str(request.url_for("exhibitors.documents")))


def _application_form(application) -> Form:  # type: ignore[no-untyped-def]
    if application is None:
        return Form({"booth_type": "standard", "booths_needed": "1", "power_watts": "450"})
    return Form({
        "booth_type": application.booth_type.value,
        "booths_needed": str(application.booths_needed),
        "power_watts": str(application.power_watts),
        "needs_water": "1" if application.needs_water else "",
        "first_time": "1" if application.first_time else "",
        "note": application.note, "terms": "1" if application.terms_accepted_at else ""})


async def _apply_context(producer: Producer, event: Event, application) -> dict[str, object]:  # type: ignore[no-untyped-def]
    terms = (await curation.settings_for(event)).terms
    missing = await service.missing_for_submit(producer, application) if application else []
    return {"event": event, "application": application, "terms": terms, "missing": missing,
            "registration": service.registration_state(event),
            "required_documents": await requirements.requirements_for(
                event_id=event.id, category=producer.category),
            "documents_missing": await requirements.missing_documents(  # waived or not
                producer=producer, event_id=event.id)}


@login_required
async def apply(request: Request) -> Response:
    user = require_user(request)
    producer = await service.producer_for(user)
    if producer is None:  # sign up first, then come back to this event
        return redirect(str(request.url_for("exhibitors.signup").include_query_params(
            event=request.path_params["slug"])))
    event = await service.open_event(request.path_params["slug"])
    application = await service.application_for(producer=producer, event=event)
    if application is not None and application.status != AppStatus.DRAFT:
        return redirect(str(request.url_for("exhibitors.application",
                                            application_id=application.id)))
    if request.method == "GET":
        return _page(request, "exhibitors/apply.html", {"form": _application_form(application)}
                     | await _apply_context(producer, event, application))
    form = await read_form(request)
    try:
        values = parse_application(form)
        application = await service.save_application(producer=producer, event=event,
                                                     values=values, by=user)
        if form.raw("action") == "submit":
            await service.submit_application(application=application, by=user,
                                             settings=settings_of(request))
            flash(request, _("Your application was sent to the committee."))
            return redirect(str(request.url_for("exhibitors.dashboard")))
    except FormInvalid:
        pass
    except DomainError as exc:
        form.error("__all__", exc.message)
    else:
        flash(request, _("Draft saved. You can still change it before you send it."))
        return redirect(str(request.url_for("exhibitors.apply", slug=event.slug)))
    return _page(request, "exhibitors/apply.html", {"form": form}
                 | await _apply_context(producer, event, application), 422)


@login_required
async def application(request: Request) -> Response:
    producer = await _producer(request)
    app = await service.own_application(producer=producer,
                                        application_id=request.path_params["application_id"])
    messages = [m for m in await service.inbox(producer, limit=100) if m.application_id == app.id]  # type: ignore[attr-defined]
    return _page(request, "exhibitors/application.html", {
        "application": app, "event": app.event, "messages": messages, "producer": producer})


@login_required
async def withdraw(request: Request) -> Response:
    producer = await _producer(request)
    app = await service.own_application(producer=producer,
                                        application_id=request.path_params["application_id"])
    await read_form(request)
    await service.withdraw_application(application=app, by=require_user(request))
    flash(request, _("Your application was withdrawn."), "info")
    return redirect(str(request.url_for("exhibitors.dashboard")))


routes = [
    Route("/exhibitor", dashboard, name="exhibitors.dashboard"),
    Route("/exhibitor/signup", signup, methods=["GET", "POST"], name="exhibitors.signup"),
    Route("/exhibitor/profile", profile, methods=["GET", "POST"], name="exhibitors.profile"),
    Route("/exhibitor/members", members, methods=["GET", "POST"], name="exhibitors.members"),
    Route("/exhibitor/products", products, methods=["GET", "POST"], name="exhibitors.products"),
    Route("/exhibitor/products/{product_id:pk}", product_edit, methods=["GET", "POST"],
          name="exhibitors.product_edit"),
    Route("/exhibitor/products/{product_id:pk}/delete", product_delete, methods=["POST"],
          name="exhibitors.product_delete"),
    Route("/exhibitor/products/{product_id:pk}/photo/{size:str}", product_photo,
          name="exhibitors.product_photo"),
    Route("/exhibitor/documents", documents, methods=["GET", "POST"],
          name="exhibitors.documents"),
    Route("/exhibitor/documents/{document_id:pk}", document_file, name="exhibitors.document"),
    Route("/exhibitor/documents/{document_id:pk}/delete", document_delete, methods=["POST"],
          name="exhibitors.document_delete"),
    Route("/exhibitor/apply/{slug}", apply, methods=["GET", "POST"], name="exhibitors.apply"),
    Route("/exhibitor/applications/{application_id:pk}", application,
          name="exhibitors.application"),
    Route("/exhibitor/applications/{application_id:pk}/withdraw", withdraw, methods=["POST"],
          name="exhibitors.withdraw"),
    *review_routes,
    *requirements_routes,
]
