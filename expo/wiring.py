"""Connects every domain's signal receivers, once, at start-up (the app, the command line and
the test suite call ``connect``), and imports every module that declares a kind of job, so
that a worker started alone (``expo worker``) knows them all. The only module that knows every
listener: it stands at the top, beside ``expo.app``."""

from __future__ import annotations

from expo.booths import checks as booths_checks  # noqa: F401 - set-up checklist items
from expo.booths import import_jobs as booths_import_jobs  # noqa: F401 - booths.import
from expo.booths import receivers as booths_receivers
from expo.exhibitors import broadcast as exhibitors_broadcast  # noqa: F401 - its job
from expo.exhibitors import checks as exhibitors_checks  # noqa: F401 - set-up checklist items
from expo.exhibitors import import_jobs as exhibitors_import_jobs  # noqa: F401 - its job
from expo.leads import receivers as leads_receivers
from expo.messages import service as messages_service  # noqa: F401 - messages.deliver
from expo.payments import checks as payments_checks  # noqa: F401 - set-up checklist items
from expo.payments import deadlines as payments_deadlines  # noqa: F401 - hourly
from expo.payments import online as payments_online  # noqa: F401 - payments.online_sweep
from expo.payments import receivers as payments_receivers
from expo.procurement import quotes as procurement_quotes  # noqa: F401 - quote reminders
from expo.procurement import receivers as procurement_receivers
from expo.procurement import watch as procurement_watch  # noqa: F401 - procurement.watch
from expo.reports import jobs as reports_jobs  # noqa: F401 - reports.export
from expo.reports import receivers as reports_receivers
from expo.reports import reminders as reports_reminders  # noqa: F401 - its job, hourly
from expo.visitors import checks as visitors_checks  # noqa: F401 - set-up checklist items
from expo.visitors import receivers as visitors_receivers


def connect() -> None:
    booths_receivers.connect()
    leads_receivers.connect()
    payments_receivers.connect()
    procurement_receivers.connect()
    reports_receivers.connect()
    visitors_receivers.connect()  # last: a rehearsal's leads go before its test tickets
