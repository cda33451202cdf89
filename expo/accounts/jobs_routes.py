"""The superuser's view of the job queue: counts per state, the jobs by state and kind, and
retrying a failed or dead job (``expo.jobs.queue``)."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from expo.accounts import service
from expo.accounts.permissions import require_user, superuser_required
from expo.i18n import DEFAULT_TIMEZONE
from expo.i18n import gettext as _
from expo.jobs import queue
from expo.jobs.models import JobState
from expo.templating import flash
from expo.urls import safe_next
from expo.web import read_form, redirect, render

DEFAULT_STATES = (JobState.QUEUED, JobState.FAILED, JobState.DEAD)
RETRYABLE = (JobState.FAILED, JobState.DEAD)
ERROR_PREVIEW = 120  # characters of the last error in the list; the rest on expanding it


def at(ms: int) -> dt.datetime | None:
    """A time the queue keeps (milliseconds since the epoch, 0: never) as a datetime."""
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC) if ms else None


def _states(request: Request) -> list[JobState]:
    known = {state.value for state in JobState}
    chosen = [JobState(v) for v in dict.fromkeys(request.query_params.getlist("state"))
              if v in known]
    return chosen or list(DEFAULT_STATES)


def _page(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return min(int(raw), 10_000) if raw.isdigit() and int(raw) > 0 else 1


@superuser_required
async def job_list(request: Request) -> Response:
    states = _states(request)
    kind = request.query_params.get("kind", "")[:60]
    page = _page(request)
    result = await queue.overview(states=states, kind=kind, page=page)
    return render(request, "accounts/jobs.html", {
        "result": result, "states": states, "kind": kind, "page": page,
        "kinds": sorted(set(queue.kinds()) | ({kind} if kind else set())),
        "all_states": list(JobState), "retryable": RETRYABLE, "at": at,
        "tz": DEFAULT_TIMEZONE, "preview": ERROR_PREVIEW,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else "")})


@superuser_required
async def job_retry(request: Request) -> Response:
    form = await read_form(request)
    job = await service.retry_job(job_id=request.path_params["job_id"], by=require_user(request))
    flash(request, _("Job %(kind)s #%(id)s is queued again.", kind=job.kind, id=job.id))
    return redirect(safe_next(form.raw("next"), str(request.url_for("accounts.jobs"))))


routes = [
    Route("/admin/jobs", job_list, name="accounts.jobs"),
    Route("/admin/jobs/{job_id:int}/retry", job_retry, methods=["POST"],
          name="accounts.job_retry"),
]
