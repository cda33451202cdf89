"""Connects every domain's signal receivers, once, at start-up (the app, the command line and
the test suite call ``connect``). The only module that knows every listener: it stands at the
top, beside ``expo.app``."""

from __future__ import annotations

from expo.leads import receivers as leads_receivers
from expo.reports import receivers as reports_receivers


def connect() -> None:
    leads_receivers.connect()
    reports_receivers.connect()
