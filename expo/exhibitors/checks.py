"""The exhibitors' items of the set-up checklist (``expo.events.checklist``): the curation
rubric and the documents required of food producers."""

from __future__ import annotations

from expo.events.checklist import Check, Status, register_check
from expo.events.models import Event
from expo.exhibitors.models import FOOD_CATEGORIES, Criterion, RequiredDocument
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l


async def _rubric(event: Event) -> Status:
    criteria = await Criterion.filter(event=event).count()
    if not criteria:
        return Status(False, _("No scoring criteria: curators cannot score applications."))
    return Status(True, _("%(n)s scoring criteria.", n=criteria))


async def _required_documents(event: Event) -> Status:
    food = await RequiredDocument.filter(event=event, category__in=list(FOOD_CATEGORIES)).count()
    if not food:
        return Status(False, _("Food producers are not asked for PIRT, BPOM or halal documents."))
    total = await RequiredDocument.filter(event=event).count()
    return Status(True, _("%(n)s required documents.", n=total))


register_check(Check("rubric", _l("Curation rubric"), "exhibitors.rubric", _rubric, 40))
register_check(Check("required_documents", _l("Required documents"),
                     "exhibitors.required_documents", _required_documents, 45))
