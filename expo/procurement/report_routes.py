"""The trade office's procurement reports over HTTP: the page with its filter (a year, or
from/to dates, and the kind of buyer) and the same figures as an .xlsx download."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from expo import i18n
from expo.errors import DomainError
from expo.forms import Form
from expo.web import render
from expo.xlsx import XLSX_MIME

from . import report_sheets, reports
from .access import office_required
from .models import BuyerKind

PRIVATE = {"Cache-Control": "private, no-store"}


def today() -> dt.date:
    """Today in East Kalimantan (WITA): procurement is not per event."""
    return dt.datetime.now(ZoneInfo(i18n.DEFAULT_TIMEZONE)).date()


def _filters(request: Request) -> tuple[Form, reports.Period | None, str]:
    """The filter form read from the query string, the period it asks for (None when the
    form has errors) and the buyer kind."""
    form = Form({k: v for k, v in request.query_params.items() if isinstance(v, str)})
    now = today()
    year = form.integer("year", required=False, low=2000, high=now.year + 5)
    start = form.date("from", required=False)
    end = form.date("to", required=False)
    kind = form.choice("kind", [k.value for k in BuyerKind], required=False)
    if not form.valid:
        return form, None, kind
    try:
        period = reports.period_of(year=year, start=start, end=end, today=now)
    except DomainError as exc:
        form.error(str(exc.data.get("field") or "from"), exc.message)
        return form, None, kind
    return form, period, kind


def _page(request: Request, form: Form, report: reports.Report | None) -> Response:
    """The page: the filter form, and the report (or, without one, the form's errors: 422)."""
    return render(request, "procurement/reports.html", {
        "form": form, "report": report, "query": request.url.query,
        "kind_options": [("", i18n.gettext("All buyers")), *BuyerKind.choices()],
        "this_year": today().year, "BuyerKind": BuyerKind}, 200 if report else 422)


@office_required
async def reports_page(request: Request) -> Response:
    form, period, kind = _filters(request)
    if period is None:
        return _page(request, form, None)
    return _page(request, form, await reports.report(period=period, kind=kind, today=today()))


@office_required
async def reports_xlsx(request: Request) -> Response:
    form, period, kind = _filters(request)
    if period is None:
        return _page(request, form, None)
    report = await reports.report(period=period, kind=kind, today=today())
    data = await report_sheets.workbook(report)
    return Response(data, media_type=XLSX_MIME, headers={
        **PRIVATE,
        "Content-Disposition": f'attachment; filename="pengadaan-{period.label}.xlsx"'})


routes: list[BaseRoute] = [
    Route("/procurement/office/reports", reports_page, name="procurement.reports"),
    Route("/procurement/office/reports.xlsx", reports_xlsx, name="procurement.reports_xlsx"),
]
