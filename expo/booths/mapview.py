"""What the maps show: halls with their booths, holders, status classes and search matches."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote

from expo.enums import LabelledEnum
from expo.errors import NotFound
from expo.events.models import Event
from expo.exhibitors.models import Category
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l

from .models import Booth, BoothStatus, Hall


class StandState(LabelledEnum):
    """What the maps show of a booth (worked out from the booth, never stored); the legend
    lists them in this order."""

    AVAILABLE = "available", _l("Available")
    ASSIGNED = "assigned", _l("Assigned")
    CONFIRMED = "confirmed", _l("Confirmed")
    BLOCKED = "blocked", _l("Blocked")


@dataclass
class BoothRow:
    """The columns the map draws (lighter than a model instance for 1,000 booths)."""

    id: int
    code: str
    x: float
    y: float
    w: float
    h: float
    zone: str
    kind: str

    @property
    def ref(self) -> str:
        return quote(self.code, safe="")

    @property
    def font(self) -> str:
        """The label's size: fits the code across the booth (drawn in user units, metres)."""
        return num(min(self.w, self.h) * 0.28)

    @property
    def shape(self) -> tuple[str, str, str, str]:
        """x, y, width, height, shortest form (``3`` not ``3.0``): 1,000 booths add up."""
        return num(self.x), num(self.y), num(self.w), num(self.h)

    @property
    def centre(self) -> tuple[str, str]:
        return num(self.x + self.w / 2), num(self.y + self.h / 2)


def num(value: float) -> str:
    """A coordinate in metres to the centimetre, without trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@dataclass
class MapBooth:
    booth: Booth | BoothRow
    name: str = ""
    category: str = ""
    cluster: str = ""
    state: StandState = StandState.AVAILABLE
    match: bool = True

    @property
    def category_label(self) -> str:
        """What a person reads: "Kuliner", not the stored ``kuliner``."""
        return Category.label_of(self.category) if self.category else ""


@dataclass
class MapHall:
    hall: Hall
    booths: list[MapBooth] = field(default_factory=list)

    @property
    def font(self) -> str:
        """The most common label size: set once on the plan, only other booths carry theirs."""
        sizes = Counter(item.booth.font for item in self.booths
                        if isinstance(item.booth, BoothRow))
        return sizes.most_common(1)[0][0] if sizes else "1"

    @property
    def held(self) -> list[MapBooth]:
        """The hall's booths with an exhibitor that the filter matches (the list view)."""
        return [item for item in self.booths if item.name and item.match]


@dataclass
class MapView:
    halls: list[MapHall]
    categories: list[str]
    clusters: list[str]
    matches: int

    def category_choices(self) -> list[tuple[str, str]]:
        """The categories present, as (value, label) for the filter, by label."""
        return sorted(((c, Category.label_of(c)) for c in self.categories),
                      key=lambda pair: pair[1])


def _state(status: str, holder_id: int | None, confirmed: object) -> StandState:
    if status == BoothStatus.BLOCKED:
        return StandState.BLOCKED
    if holder_id is None:
        return StandState.AVAILABLE
    return StandState.CONFIRMED if confirmed else StandState.ASSIGNED


def _map_booth(b: Booth, q: str, category: str, cluster: str) -> MapBooth:
    holder_id = b.holder_id  # type: ignore[attr-defined]
    item = MapBooth(booth=b, state=_state(b.status, holder_id, b.confirmed_at))
    if b.holder is not None:
        producer = b.holder.producer
        item.name, item.category = producer.business_name, str(producer.category)
        item.cluster = producer.cluster
    if q or category or cluster:
        text = f"{b.code} {item.name} {b.zone}".lower()
        item.match = ((not q or q.lower() in text)
                      and (not category or item.category == category)
                      and (not cluster or item.cluster.lower() == cluster.lower()))
    return item


FIELDS = ("id", "code", "x", "y", "w", "h", "zone", "kind", "status", "confirmed_at",
          "hall_id", "holder_id", "holder__producer__business_name",
          "holder__producer__category", "holder__producer__cluster")


def _row_item(r: dict, q: str, category: str, cluster: str) -> MapBooth:
    state = _state(r["status"], r["holder_id"], r["confirmed_at"])
    item = MapBooth(booth=BoothRow(r["id"], r["code"], r["x"], r["y"], r["w"], r["h"],
                                   r["zone"], str(r["kind"])), state=state,
                    name=r["holder__producer__business_name"] or "",
                    category=str(r["holder__producer__category"] or ""),
                    cluster=r["holder__producer__cluster"] or "")
    if q or category or cluster:
        text = f"{item.booth.code} {item.name} {item.booth.zone}".lower()
        item.match = ((not q or q.lower() in text)
                      and (not category or item.category == category)
                      and (not cluster or item.cluster.lower() == cluster.lower()))
    return item


async def map_view(event: Event, *, q: str = "", category: str = "",
                   cluster: str = "") -> MapView:
    halls = {h.id: MapHall(hall=h) for h in await Hall.filter(event=event)}
    rows = await Booth.filter(event=event).order_by("code").values(*FIELDS)
    categories: set[str] = set()
    clusters: set[str] = set()
    matches = 0
    q = q.strip()[:80]
    for r in rows:
        item = _row_item(r, q, category, cluster)
        halls[r["hall_id"]].booths.append(item)
        if item.category:
            categories.add(item.category)
        if item.cluster:
            clusters.add(item.cluster)
        matches += item.match
    return MapView(halls=list(halls.values()), categories=sorted(categories),
                   clusters=sorted(clusters), matches=matches)


async def stand(event: Event, code: str) -> MapBooth:
    booth = await Booth.get_or_none(event=event, code=code).select_related(
        "hall", "holder__producer")
    if booth is None:
        raise NotFound(_("There is no stand %(code)s at this event.", code=code[:20]))
    return _map_booth(booth, "", "", "")
