"""Sign-in, sign-out, passwords, sessions, language and the outbox."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from expo.accounts import service, sessions
from expo.accounts.permissions import (
    current_session_id,
    current_user,
    login_required,
    public,
    require_user,
    sign_in,
    sign_out,
    superuser_required,
)
from expo.errors import DomainError
from expo.forms import Form
from expo.i18n import DEFAULT_TIMEZONE, LOCALE_COOKIE, LOCALES, ngettext
from expo.i18n import gettext as _
from expo.templating import flash
from expo.urls import safe_next
from expo.web import absolute_url, client_ip, read_form, redirect, render, settings_of


@public
async def login(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"), "/manage")
    if current_user(request) is not None and request.method == "GET":
        return redirect(next_url)
    form = Form()
    status = 200
    if request.method == "POST":
        form = await read_form(request)
        next_url = safe_next(form.raw("next"), "/manage")
        try:
            user = await service.authenticate(email=form.raw("email"),
                                              password=str(form.data.get("password", "")),
                                              client_ip=client_ip(request))
        except DomainError as exc:
            form.error("__all__", exc.message)
            status = exc.status_code
        else:
            await sign_in(request, user)
            response = redirect(next_url)
            response.set_cookie(LOCALE_COOKIE, user.locale, max_age=365 * 86400, samesite="lax",
                                secure=settings_of(request).https_only)
            return response
    form.data.pop("password", None)
    return render(request, "accounts/login.html", {"form": form, "next": next_url},
                  status_code=status)


@public
async def logout(request: Request) -> Response:
    await sign_out(request)
    flash(request, _("You are signed out."), "info")
    return redirect(str(request.url_for("events.index")))


@login_required
async def change_password(request: Request) -> Response:
    user = require_user(request)
    form = Form()
    if request.method == "POST":
        form = await read_form(request)
        new = str(form.data.get("new_password", ""))
        if new != form.data.get("new_password2"):
            form.error("new_password2", _("The two passwords differ."))
        else:
            try:
                await service.change_password(user=user, current=str(form.data.get(
                    "current_password", "")), new=new)
            except DomainError as exc:
                field = "current_password" if exc.code == "wrong_password" else "new_password"
                form.error(field, exc.message)
            else:
                await sign_in(request, user)  # every session ended: this browser starts anew
                flash(request, _("Your password has been changed."))
                return redirect(str(request.url_for("events.manage")))
        form.data = {}
        return render(request, "accounts/password_change.html", {"form": form}, 422)
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
async def session_list(request: Request) -> Response:
    user = require_user(request)
    rows = await sessions.list_sessions(user)
    return render(request, "accounts/sessions.html",
                  {"sessions": rows, "current_id": current_session_id(request),
                   "tz": DEFAULT_TIMEZONE})


@login_required
async def sessions_end_others(request: Request) -> Response:
    ended = await sessions.sign_out_everywhere(
        user=require_user(request), current_id=current_session_id(request), keep_current=True,
        ip=client_ip(request))
    flash(request, ngettext("%(num)s other session was signed out.",
                            "%(num)s other sessions were signed out.", ended), "info")
    return redirect(str(request.url_for("accounts.sessions")))


@login_required
async def sessions_end_all(request: Request) -> Response:
    await sessions.sign_out_everywhere(
        user=require_user(request), current_id=current_session_id(request),
        keep_current=False, ip=client_ip(request))
    await sign_out(request)
    flash(request, _("You are signed out everywhere."), "info")
    return redirect(str(request.url_for("accounts.login")))


@login_required
async def session_end(request: Request) -> Response:
    session_id = int(request.path_params["session_id"])
    await sessions.end_one(user=require_user(request), session_id=session_id,
                           ip=client_ip(request))
    if session_id == current_session_id(request):
        await sign_out(request)
        flash(request, _("You are signed out."), "info")
        return redirect(str(request.url_for("accounts.login")))
    flash(request, _("That session was signed out."), "info")
    return redirect(str(request.url_for("accounts.sessions")))


@public
async def forgot_password(request: Request) -> Response:
    form = Form()
    if request.method == "POST":
        form = await read_form(request)
        email = form.email("email")
        if form.valid:
            await service.request_password_reset(
                settings=settings_of(request), email=email,
                link_base=absolute_url(request, "accounts.reset"))
            return render(request, "accounts/forgot_sent.html", {"email": email})
        return render(request, "accounts/forgot.html", {"form": form}, 422)
    return render(request, "accounts/forgot.html", {"form": form})


@public
async def reset_password(request: Request) -> Response:
    token = request.query_params.get("token", "")
    form = Form()
    if request.method == "POST":
        form = await read_form(request)
        token = form.raw("token")
        password = str(form.data.get("password", ""))
        if password != form.data.get("password2"):
            form.error("password2", _("The two passwords differ."))
        else:
            try:
                user = await service.set_password_with_token(token=token, password=password)
            except DomainError as exc:
                form.error("password" if exc.code == "weak_password" else "__all__", exc.message)
            else:
                await sign_in(request, user)
                flash(request, _("Your password is set. Welcome!"))
                return redirect(str(request.url_for("events.manage")))
        return render(request, "accounts/reset.html", {"form": form, "token": token}, 422)
    try:
        user = await service.token_user(token)
    except DomainError as exc:
        return render(request, "accounts/reset.html",
                      {"form": form, "token": "", "invalid": exc.message}, 400)
    return render(request, "accounts/reset.html", {"form": form, "token": token, "user": user})


@public
async def set_language(request: Request) -> Response:
    form = await read_form(request)
    lang = form.raw("lang")
    if lang not in LOCALES:
        return render(request, "errors/error.html",
                      {"status": 422, "title": _("Check your input"),
                       "detail": _("Unknown language.")}, 422)
    user = current_user(request)
    if user is not None and user.locale != lang:
        user.locale = lang
        await user.save(update_fields=["locale"])
    response = redirect(safe_next(form.raw("next")))
    response.set_cookie(LOCALE_COOKIE, lang, max_age=365 * 86400, samesite="lax",
                        secure=settings_of(request).https_only)
    return response


@superuser_required
async def outbox(request: Request) -> Response:
    messages = await service.recent_outbox()
    return render(request, "accounts/outbox.html", {"messages": messages})


routes = [
    Route("/login", login, methods=["GET", "POST"], name="accounts.login"),
    Route("/logout", logout, methods=["POST"], name="accounts.logout"),
    Route("/account/password", change_password, methods=["GET", "POST"],
          name="accounts.password"),
    Route("/account/sessions", session_list, name="accounts.sessions"),
    Route("/account/sessions/end-others", sessions_end_others, methods=["POST"],
          name="accounts.sessions_end_others"),
    Route("/account/sessions/end-all", sessions_end_all, methods=["POST"],
          name="accounts.sessions_end_all"),
    Route("/account/sessions/{session_id:int}/end", session_end, methods=["POST"],
          name="accounts.session_end"),
    Route("/password/forgot", forgot_password, methods=["GET", "POST"], name="accounts.forgot"),
    Route("/password/reset", reset_password, methods=["GET", "POST"], name="accounts.reset"),
    Route("/lang", set_language, methods=["POST"], name="accounts.language"),
    Route("/outbox", outbox, name="accounts.outbox"),
]
