"""The public catalogue: products of listed producers, searched and filtered in SQL, a
producer's page, products of one kind side by side, and the legality badges the committee
verified.

"Can deliver N units by D": a product matches when its own spare capacity by D covers N, or
when the listed producers of its cluster making the same kind have that much spare together
(one row per producer: its product of the kind with the most spare). The cluster sums are one
CTE grouped by cluster and kind, computed once per search.

Kinds are compared as stored: the product form keeps them trimmed and lowercased (so that the
``(kind, producer_id)`` index orders the plain search's pages).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from tortoise import connections

from expo.errors import NotFound
from expo.exhibitors.models import Category, Producer, Product
from expo.i18n import DEFAULT_TIMEZONE
from expo.i18n import gettext as _
from expo.regions import region_choices

from .models import Listing
from .supply import Params, committed_sql, production_days, spare_sql

PER_PAGE = 24
COMPARE_LIMIT = 200
TZ = ZoneInfo(DEFAULT_TIMEZONE)


def today() -> dt.date:
    """Today in Kalimantan Timur (WITA)."""
    return dt.datetime.now(TZ).date()


@dataclass(frozen=True)
class Filters:
    q: str = ""
    category: str = ""
    cluster: str = ""
    kabupaten: str = ""
    halal: bool = False
    quantity: int | None = None
    needed_by: dt.date | None = None

    @property
    def capacity(self) -> bool:
        return self.quantity is not None and self.needed_by is not None


@dataclass(frozen=True)
class Badge:
    code: str  # nib, pirt, halal, bpom
    label: str
    number: str
    expires_on: dt.date | None = None


@dataclass(frozen=True)
class Hit:
    """A product in the catalogue, with its producer's facts; ``spare`` by the asked date
    (None without one); ``together`` / ``together_spare``: the cluster's producers of the same
    kind with spare capacity, and their total spare, when the product alone does not cover
    the asked quantity."""

    product_id: int
    producer_id: int
    business_name: str
    name: str
    kind: str
    unit: str
    category: str
    cluster: str
    kabupaten: str
    price_min: int
    price_max: int
    min_order: int
    capacity_per_week: int
    capacity_per_month: int
    lead_time_days: int
    has_photo: bool
    has_smk: bool
    badges: list[Badge] = field(default_factory=list)
    spare: int | None = None
    covers: bool = False
    together: int = 0
    together_spare: int = 0


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    total: int
    page: int
    pages: int
    filters: Filters


@dataclass(frozen=True)
class Facets:
    categories: list[tuple[str, str]]
    clusters: list[str]
    kabupaten: list[tuple[str, str]]

    @property
    def cluster_options(self) -> list[tuple[str, str]]:
        return [(c, c) for c in self.clusters]


@dataclass(frozen=True)
class ProducerPage:
    producer: Producer
    listing: Listing
    products: list[Product]
    badges: list[Badge]


# --- values from raw rows (SQLite gives text and 0/1, PostgreSQL dates and booleans) ---------

def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _sql_date(p: Params, value: dt.date) -> str:
    return p.add(value if p.pg else value.isoformat())


def _true(p: Params) -> str:
    return "TRUE" if p.pg else "1"


# --- badges ----------------------------------------------------------------------------------

BADGE_LABELS = {"nib": "NIB", "pirt": "PIRT", "halal": "Halal", "bpom": "BPOM"}


def badges_of(values: Mapping[str, Any], today: dt.date) -> list[Badge]:
    """Badges from a row with the producer's numbers and the listing's ``*_verified_at``."""
    out = []
    numbers = {"nib": values.get("nib"), "pirt": values.get("pirt_number"),
               "halal": values.get("halal_number"), "bpom": values.get("bpom_number")}
    for code, number in numbers.items():
        if not number or values.get(f"{code}_verified_at") is None:
            continue
        expires = _date(values.get("halal_expires_on")) if code == "halal" else None
        if expires is not None and expires < today:
            continue
        out.append(Badge(code=code, label=BADGE_LABELS[code], number=str(number),
                         expires_on=expires))
    return out


def badges(producer: Producer, listing: Listing | None, today: dt.date) -> list[Badge]:
    """The legality numbers the committee verified (halal only until it expires)."""
    if listing is None:
        return []
    values: dict[str, Any] = {
        "nib": producer.nib, "pirt_number": producer.pirt_number,
        "halal_number": producer.halal_number, "halal_expires_on": producer.halal_expires_on,
        "bpom_number": producer.bpom_number}
    for code in BADGE_LABELS:
        values[f"{code}_verified_at"] = getattr(listing, f"{code}_verified_at")
    return badges_of(values, today)


# --- the query -------------------------------------------------------------------------------

COLUMNS = (
    "p.id AS product_id, pr.id AS producer_id, pr.business_name, p.name, p.kind, "
    "p.capacity_unit, pr.category, pr.cluster, pr.kabupaten, p.price_min, p.price_max, "
    "p.min_order, p.capacity_per_week, p.capacity_per_month, p.lead_time_days, p.photo, "
    "pr.smk_workers, pr.smk_interns, pr.nib, pr.pirt_number, pr.halal_number, "
    "pr.halal_expires_on, pr.bpom_number, l.nib_verified_at, l.pirt_verified_at, "
    "l.halal_verified_at, l.bpom_verified_at")
FROM = ("FROM products p JOIN producers pr ON pr.id = p.producer_id "
        "JOIN proc_listings l ON l.producer_id = pr.id")


def _like(p: Params, word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return p.add(f"%{escaped}%")


def _eligible(p: Params, f: Filters, today: dt.date) -> list[str]:
    """Conditions on the producer (who may supply): listed, category, kabupaten, halal."""
    where = [f"l.listed = {_true(p)}"]
    if f.category:
        where.append(f"pr.category = {p.add(f.category)}")
    if f.kabupaten:
        where.append(f"pr.kabupaten = {p.add(f.kabupaten)}")
    if f.halal:
        where.append(f"l.halal_verified_at IS NOT NULL AND pr.halal_number <> '' AND "
                     f"(pr.halal_expires_on IS NULL OR pr.halal_expires_on >= "
                     f"{_sql_date(p, today)})")
    return where


def _wanted(p: Params, f: Filters) -> list[str]:
    """Conditions on the product itself: its cluster, and every word of the search."""
    where = []
    if f.cluster:
        where.append(f"pr.cluster = {p.add(f.cluster)}")
    # SQLite's LIKE ignores the case of ASCII letters (LOWER() on every row doubled the
    # cost); PostgreSQL's ILIKE ignores case.
    like_op = "ILIKE" if p.pg else "LIKE"
    for word in f.q.lower().split()[:6]:
        like = _like(p, word)
        where.append(f"(p.name {like_op} {like} ESCAPE '\\' OR p.kind LIKE {like} "
                     f"ESCAPE '\\' OR pr.business_name {like_op} {like} ESCAPE '\\')")
    return where


def _plain_sql(p: Params, f: Filters, today: dt.date, page: int) -> str:
    """Without a quantity: the page in the order of the (kind, producer) index. The count is a
    plain COUNT when only the producer is filtered, a window over the matches when words are
    (so that the words are matched once)."""
    words = _wanted(p, f)
    where = " AND ".join(_eligible(p, f, today) + words)
    count = "COUNT(*) OVER ()" if words else f"(SELECT COUNT(*) {FROM} WHERE {where})"
    return (f"SELECT {COLUMNS}, NULL AS spare, NULL AS together_spare, 0 AS together, "  # noqa: S608
            f"{count} AS total_rows {FROM} WHERE {where} "
            f"ORDER BY p.kind, p.producer_id, p.id "
            f"LIMIT {PER_PAGE} OFFSET {p.add((page - 1) * PER_PAGE)}")


def _capacity_sql(p: Params, f: Filters, today: dt.date, page: int,
                  kinds: list[str]) -> str:
    """With a quantity by a date: each eligible product's spare (``s``, computed once), the
    spare of each cluster and kind (``grp``: per producer its best product of the kind, summed),
    the products that cover the quantity alone or with their cluster (``hit``), and the page
    of them with their columns. ``kinds``: the kinds in use that a word of the search names;
    the search then looks in those kinds only (an index range, not a scan of every name)."""
    assert f.quantity is not None and f.needed_by is not None
    days = p.add(production_days(today=today, needed_by=f.needed_by))
    quantity = p.add(f.quantity)
    eligible = " AND ".join(_eligible(p, f, today))
    wanted = " AND ".join(_wanted(p, f))
    if kinds:
        eligible += " AND p.kind IN (" + ", ".join(p.add(k) for k in kinds) + ")"
    elif wanted:  # the cluster sums of the kinds the wanted products are of, only
        eligible += (f" AND p.kind IN (SELECT p.kind {FROM} WHERE {eligible} AND {wanted})")
    if not wanted:
        wanted = _true(p)
    return (
        f"WITH c AS ({committed_sql()}), "  # noqa: S608 - bound parameters only
        f"s AS (SELECT p.id, p.producer_id, pr.cluster, p.kind, "
        f"(CASE WHEN {wanted} THEN 1 ELSE 0 END) AS wanted, {spare_sql(days, pg=p.pg)} AS spare "
        f"{FROM} LEFT JOIN c ON c.product_id = p.id WHERE {eligible}), "
        f"grp AS (SELECT b.cluster, b.kind, SUM(b.spare) AS spare, COUNT(*) AS producers "
        f"FROM (SELECT cluster, kind, producer_id, MAX(spare) AS spare FROM s WHERE spare > 0 "
        f"AND kind <> '' AND cluster <> '' GROUP BY cluster, kind, producer_id) b "
        f"GROUP BY b.cluster, b.kind), "
        f"hit AS (SELECT s.id, s.spare, g.spare AS together_spare, g.producers AS together "
        f"FROM s LEFT JOIN grp g ON g.cluster = s.cluster AND g.kind = s.kind "
        f"WHERE s.wanted = 1 AND (s.spare >= {quantity} OR (s.spare > 0 AND g.spare >= "
        f"{quantity}))) "
        f"SELECT {COLUMNS}, h.spare, h.together_spare, h.together, "
        f"(SELECT COUNT(*) FROM hit) AS total_rows FROM (SELECT id, spare, together_spare, "
        f"together FROM hit ORDER BY spare DESC, id LIMIT {PER_PAGE} "
        f"OFFSET {p.add((page - 1) * PER_PAGE)}) h JOIN products p ON p.id = h.id "
        f"JOIN producers pr ON pr.id = p.producer_id "
        f"JOIN proc_listings l ON l.producer_id = pr.id ORDER BY h.spare DESC, h.id")


def _search_sql(p: Params, f: Filters, today: dt.date, page: int,
                kinds: list[str] | None = None) -> str:
    if f.capacity:
        return _capacity_sql(p, f, today, page, kinds or [])
    return _plain_sql(p, f, today, page)


async def _named_kinds(q: str) -> list[str]:
    """The kinds in use that contain a word of ``q`` (read from the kind index: well under a
    millisecond for 50,000 products)."""
    words = [w for w in q.lower().split() if len(w) > 2][:6]
    if not words:
        return []
    kinds = await Product.filter(kind__not="").distinct().order_by("kind").values_list(
        "kind", flat=True)
    return sorted({str(k) for k in kinds if any(w in str(k).lower() for w in words)})[:50]


def _hit(row: Mapping[str, Any], today: dt.date, quantity: int | None) -> Hit:
    spare = None if row["spare"] is None else int(row["spare"])
    covers = spare is not None and quantity is not None and spare >= quantity
    together = int(row["together"] or 0)
    return Hit(
        product_id=row["product_id"], producer_id=row["producer_id"],
        business_name=row["business_name"], name=row["name"], kind=row["kind"],
        unit=row["capacity_unit"], category=row["category"], cluster=row["cluster"],
        kabupaten=row["kabupaten"], price_min=row["price_min"], price_max=row["price_max"],
        min_order=max(row["min_order"], 1), capacity_per_week=row["capacity_per_week"],
        capacity_per_month=row["capacity_per_month"], lead_time_days=row["lead_time_days"],
        has_photo=bool(row["photo"]),
        has_smk=row["smk_workers"] > 0 or row["smk_interns"] > 0,
        badges=badges_of(row, today), spare=spare, covers=covers,
        together=0 if covers else together,
        together_spare=0 if covers else int(row["together_spare"] or 0))


async def search(*, filters: Filters, today: dt.date, page: int = 1) -> Results:
    """One page (24) of products of listed producers that match ``filters``; with a quantity
    and a date, the products that can deliver it (alone, or with their cluster), most spare
    first."""
    page = max(page, 1)
    p = Params()
    kinds = await _named_kinds(filters.q) if filters.capacity and filters.q else []
    sql = _search_sql(p, filters, today, page, kinds)
    rows = await connections.get("default").execute_query_dict(sql, p.values)
    total = int(rows[0]["total_rows"]) if rows else 0
    if not rows and page > 1:  # past the end: the count comes from the first page
        first = await search(filters=filters, today=today, page=1)
        total = first.total
    hits = [_hit(row, today, filters.quantity if filters.capacity else None) for row in rows]
    return Results(hits=hits, total=total, page=page, pages=max((total + PER_PAGE - 1)
                                                                 // PER_PAGE, 1),
                   filters=filters)


# --- facets, a producer's page, comparison -------------------------------------------------

async def facets() -> Facets:
    """Choices of the filters: every category; the clusters and kabupaten/kota that listed
    producers are in (kabupaten in the order of ``expo.regions``)."""
    p = Params()
    rows = await connections.get("default").execute_query_dict(
        "SELECT DISTINCT pr.cluster, pr.kabupaten FROM producers pr "  # noqa: S608
        f"JOIN proc_listings l ON l.producer_id = pr.id WHERE l.listed = {_true(p)}", p.values)
    clusters = sorted({r["cluster"] for r in rows if r["cluster"]})
    present = {r["kabupaten"] for r in rows}
    return Facets(categories=[(c.value, str(c.label)) for c in Category], clusters=clusters,
                  kabupaten=[(v, str(label)) for v, label in region_choices() if v in present])


async def producer_page(*, producer_id: int, today: dt.date) -> ProducerPage:
    listing = await Listing.get_or_none(producer_id=producer_id, listed=True) \
        .select_related("producer")
    if listing is None:
        raise NotFound(_("This producer is not in the catalogue."))
    producer = listing.producer
    return ProducerPage(producer=producer, listing=listing,
                        products=await Product.filter(producer_id=producer_id).order_by("id"),
                        badges=badges(producer, listing, today))


async def compare(*, kind: str, today: dt.date, needed_by: dt.date) -> list[Hit]:
    """Every listed product of ``kind`` side by side, with its spare capacity by
    ``needed_by``; cheapest first."""
    kind = kind.strip().lower()
    if not kind:
        return []
    p = Params()
    days = p.add(production_days(today=today, needed_by=needed_by))
    spare = spare_sql(days, pg=p.pg)
    sql = (f"WITH c AS ({committed_sql()}) SELECT {COLUMNS}, {spare} AS spare, "  # noqa: S608
           f"NULL AS together_spare, 0 AS together {FROM} LEFT JOIN c ON c.product_id = p.id "
           f"WHERE l.listed = {_true(p)} AND LOWER(p.kind) = {p.add(kind)} "
           f"ORDER BY p.price_min, p.id LIMIT {COMPARE_LIMIT}")
    rows = await connections.get("default").execute_query_dict(sql, p.values)
    return [_hit(row, today, None) for row in rows]


async def photo_of(*, product_id: int) -> Product:
    """A product with a photo whose producer is listed (else NotFound)."""
    product = await Product.get_or_none(id=product_id, producer__listing__listed=True)
    if product is None or not product.photo:
        raise NotFound()
    return product
