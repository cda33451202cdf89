# ruff: noqa: E501  (a data table reads better one producer per line)
"""Demo: ~40 Kaltim producers with products and applications to hkn2027 in mixed states."""

from __future__ import annotations

import datetime as dt
import random

from expo.accounts.models import EventRole, Role
from expo.accounts.service import create_user
from expo.events.demo import DEMO_PASSWORD, DemoContext
from expo.exhibitors import curation, notify
from expo.exhibitors.models import (
    Application,
    AppStatus,
    BoothType,
    Category,
    CurationSettings,
    InboxMessage,
    Producer,
    ProducerMember,
    Product,
    Quota,
    QuotaKind,
    RequiredDocument,
)
from expo.regions import KALTIM, OUTSIDE

K, KR, F, OL, A, D = (Category.KULINER, Category.KRIYA, Category.FESYEN, Category.OLEH_OLEH,
                     Category.AKSESORIS, Category.DEKORASI)
# business, owner, category, cluster, product, price, capacity, unit
PRODUCERS = [
    ("Amplang Hj. Aminah", "Hj. Aminah", OL, "amplang", "Amplang ikan pipih 250 g", 25000, 500, "bungkus"),
    ("Amplang Mahakam Jaya", "Pak Darmawan", OL, "amplang", "Amplang udang 200 g", 30000, 400, "bungkus"),
    ("Amplang Bontang Kuala", "Bu Wati", OL, "amplang", "Amplang tenggiri 250 g", 28000, 300, "bungkus"),
    ("Kue Talam Bu Sri", "Sri Wahyuni", K, "kue talam", "Kue talam ubi (isi 10)", 20000, 150, "kotak"),
    ("Talam Banjar Nenek", "Nur Aisyah", K, "kue talam", "Talam pandan (isi 12)", 24000, 120, "kotak"),
    ("Nastar Nanas Sangatta", "Lina Marlina", K, "nastar", "Nastar nanas toples 500 g", 95000, 200, "toples"),
    ("Nastar Keju Mbak Dewi", "Dewi Anggraini", K, "nastar", "Nastar keju 400 g", 85000, 150, "toples"),
    ("Kue Bingka Samarinda", "Hj. Rusmini", K, "bingka", "Bingka kentang loyang", 45000, 80, "loyang"),
    ("Lempok Durian Berau", "Pak Hasan", OL, "lempok", "Lempok durian 250 g", 40000, 200, "bungkus"),
    ("Keripik Pisang Kutim", "Bu Yanti", OL, "keripik", "Keripik pisang manis 200 g", 15000, 600, "bungkus"),
    ("Kerupuk Ikan Haruan", "Pak Syahrani", OL, "kerupuk", "Kerupuk haruan 250 g", 22000, 400, "bungkus"),
    ("Sambal Raja Kutai", "Bu Ratna", K, "sambal", "Sambal raja botol 200 ml", 35000, 300, "botol"),
    ("Kopi Luwak Kubar", "Pak Yohanes", K, "kopi", "Kopi robusta bubuk 250 g", 55000, 250, "bungkus"),
    ("Madu Kelulut Paser", "Pak Ardi", K, "madu", "Madu kelulut 250 ml", 120000, 100, "botol"),
    ("Gula Aren Mahulu", "Mama Lusia", K, "gula aren", "Gula aren cetak 500 g", 30000, 300, "bungkus"),
    ("Dodol Rumput Laut Bontang", "Bu Halimah", OL, "dodol", "Dodol rumput laut 300 g", 25000, 350, "kotak"),
    ("Batik Kaltim Nusantara", "Rina Puspita", F, "batik", "Kain batik tulis motif Dayak", 450000, 20, "lembar"),
    ("Batik Shaho Samarinda", "Bu Nanik", F, "batik", "Kemeja batik cap", 250000, 60, "potong"),
    ("Batik Tenggarong Indah", "Pak Wahyu", F, "batik", "Kain batik cap motif Kutai", 300000, 40, "lembar"),
    ("Sarung Samarinda Bu Lia", "Lia Amalia", F, "tenun samarinda", "Sarung tenun Samarinda", 550000, 15, "lembar"),
    ("Tenun Sarung Tenun Tepian", "Hj. Masnah", F, "tenun samarinda", "Sarung tenun sutra", 750000, 8, "lembar"),
    ("Ulap Doyo Jempang", "Ibu Rosalina", KR, "ulap doyo", "Kain ulap doyo 1 x 2 m", 650000, 6, "lembar"),
    ("Ulap Doyo Tanjung Isuy", "Ina Martha", KR, "ulap doyo", "Tas ulap doyo", 275000, 20, "buah"),
    ("Rotan Kutai Kreasi", "Pak Ahmad", KR, "rotan", "Keranjang rotan anyam", 125000, 50, "buah"),
    ("Anyaman Rotan Sendawar", "Pak Markus", KR, "rotan", "Tas rotan motif Dayak", 210000, 30, "buah"),
    ("Rotan Jaya Tenggarong", "Bu Siti", KR, "rotan", "Kursi rotan set", 1850000, 4, "set"),
    ("Manik Dayak Long Bagun", "Ibu Maria", A, "manik-manik", "Kalung manik Dayak", 85000, 60, "buah"),
    ("Manik Lamin Kubar", "Kak Yuliana", A, "manik-manik", "Gelang manik", 35000, 150, "buah"),
    ("Aksesoris Mutiara Berau", "Bu Fatimah", A, "mutiara", "Bros mutiara air tawar", 95000, 40, "buah"),
    ("Ukiran Kayu Ulin Balikpapan", "Pak Daniel", D, "ukiran", "Hiasan dinding ukir ulin", 350000, 12, "buah"),
    ("Lampu Hias Bambu PPU", "Pak Rudi", D, "bambu", "Lampu hias bambu", 150000, 25, "buah"),
    ("Mandau Souvenir Kubar", "Pak Petrus", D, "ukiran", "Miniatur mandau", 175000, 20, "buah"),
    ("Eco Print Balikpapan", "Bu Indah", F, "eco print", "Syal eco print daun", 185000, 30, "lembar"),
    ("Kerajinan Sisik Ikan Bontang", "Bu Erna", A, "sisik ikan", "Bros sisik ikan", 45000, 100, "buah"),
    ("Abon Ikan Tenggiri Paser", "Bu Marlina", OL, "abon", "Abon tenggiri 100 g", 45000, 200, "bungkus"),
    ("Terasi Udang Penajam", "Pak Sulaiman", K, "terasi", "Terasi udang 250 g", 30000, 300, "bungkus"),
    ("Kue Bangket Samarinda", "Hj. Saniah", K, "kue kering", "Kue bangket toples", 60000, 150, "toples"),
    ("Amplang Sambaliung", "Pak Jamal", OL, "amplang", "Amplang kuku macan 250 g", 27000, 350, "bungkus"),
    ("Rotan Etnik Mahulu", "Ibu Theresia", KR, "rotan", "Tikar rotan lampit", 900000, 6, "lembar"),
    ("Batik Beraja Berau", "Bu Sarah", F, "batik", "Kain batik motif penyu", 325000, 25, "lembar"),
    ("Kopi Liberika Kutim", "Pak Joko", K, "kopi", "Kopi liberika biji 500 g", 90000, 80, "bungkus"),
]
# Accepted: a real fair's mix (food makers for the food hall, batik and tenun, ulap doyo and
# rotan, beads and carvings); the others are spread over the remaining states in turn.
ACCEPTED = {"Amplang Mahakam Jaya", "Kue Talam Bu Sri", "Nastar Keju Mbak Dewi",
            "Lempok Durian Berau", "Sambal Raja Kutai", "Batik Kaltim Nusantara",
            "Batik Shaho Samarinda", "Sarung Samarinda Bu Lia", "Ulap Doyo Tanjung Isuy",
            "Rotan Kutai Kreasi", "Manik Dayak Long Bagun", "Ukiran Kayu Ulin Balikpapan"}
OTHER_STATES = [AppStatus.SUBMITTED] * 13 + [AppStatus.WAITLISTED] * 5 + \
    [AppStatus.REJECTED] * 3 + [AppStatus.DRAFT] * 4 + [AppStatus.WITHDRAWN] * 2 + [None]


def _states() -> list[AppStatus | None]:
    """Each producer's application state (the first, the demo exhibitor's, is a draft)."""
    others = iter(OTHER_STATES * 2)
    return [AppStatus.DRAFT if index == 0 else AppStatus.ACCEPTED if row[0] in ACCEPTED
            else next(others) for index, row in enumerate(PRODUCERS)]


async def _producer(rng: random.Random, index: int, row: tuple) -> Producer:  # type: ignore[type-arg]
    name, owner, category, cluster, *_rest = row
    regions = [*KALTIM, OUTSIDE] if index % 13 == 12 else KALTIM
    halal = category in (K, OL) and rng.random() < 0.7
    return await Producer.create(
        business_name=name, owner_name=owner, category=category, cluster=cluster,
        phone=f"+62812{5400000 + index * 7919:07d}",
        email=f"produsen{index + 1:02d}@expo.test", kabupaten=rng.choice(regions),
        address=f"Jl. Pahlawan No. {index + 3}",
        description=f"{name}: produk khas Kalimantan Timur buatan tangan.",
        instagram=f"@{cluster.replace(' ', '')}{index + 1}",
        nib=f"{rng.randrange(10**12, 10**13):013d}" if rng.random() < 0.8 else "",
        pirt_number=f"P-IRT 2{rng.randrange(10**13):013d}-27" if category in (K, OL) and rng.random() < 0.7 else "",
        halal_number=f"ID6411{rng.randrange(10**10):010d}" if halal else "",
        halal_expires_on=dt.date(2026 + rng.randrange(0, 4), rng.randrange(1, 13), 1) if halal else None,
        workers=rng.randrange(1, 25), smk_workers=rng.choice([0, 0, 0, 1, 2]),
        smk_interns=rng.choice([0, 0, 1, 2, 3]), is_micro=rng.random() < 0.8)


async def load(ctx: DemoContext) -> None:
    rng = random.Random(2027)
    event = ctx.event
    # producers outlive events: drop the ones a previous demo left (``demo --reset``)
    await Producer.filter(email__endswith="@expo.test").delete()
    committee, curator = ctx.users["committee"], ctx.users["curator"]
    await CurationSettings.create(event=event, terms=(
        "1. Peserta menjaga stan selama jam buka pameran.\n"
        "2. Produk pangan wajib memiliki PIRT atau BPOM dan label halal bila ada.\n"
        "3. Listrik sesuai daya yang diajukan; kompor gas hanya di stan kuliner."))
    await curation.add_suggested_rubric(event=event, by=committee)
    await Quota.create(event=event, kind=QuotaKind.CATEGORY, key="kuliner", limit=10)
    await Quota.create(event=event, kind=QuotaKind.KABUPATEN, key="Kota Samarinda", limit=8)
    criteria = [c for c in await curation.criteria_of(event) if c.source == "manual"]
    second = await create_user(email="kurator2@expo.test", name="Dewi Kurator",
                               password_hash=ctx.password_hash)
    await EventRole.create(event=event, user=second, role=Role.CURATOR)
    ctx.logins.append(("curator", second.email, DEMO_PASSWORD))
    now = ctx.now
    states = _states()
    for index, row in enumerate(PRODUCERS):
        producer = await _producer(rng, index, row)
        user = ctx.users["exhibitor"] if index == 0 else await create_user(
            email=producer.email, name=producer.owner_name, password_hash=ctx.password_hash)
        if index == 0:
            producer.email = user.email
            await producer.save(update_fields=["email"])
        await ProducerMember.create(producer=producer, user=user)
        _n, _o, category, _c, product, price, capacity, unit = row
        await Product.create(producer=producer, name=product, price_min=price,
                             price_max=int(price * 1.4), capacity_per_week=capacity,
                             capacity_unit=unit, lead_time_days=rng.choice([1, 2, 3, 7, 14]))
        status = states[index]
        if status is None:
            continue
        app = await Application.create(
            event=event, producer=producer, status=status,
            booth_type=BoothType.FOOD if category == K else BoothType.STANDARD,
            booths_needed=2 if index % 9 == 4 else 1, power_watts=rng.choice([0, 450, 900, 1300]),
            needs_water=category == K and rng.random() < 0.5, first_time=rng.random() < 0.35,
            terms_accepted_at=now, source="online",
            submitted_at=None if status == AppStatus.DRAFT else now - dt.timedelta(
                days=rng.randrange(1, 30), hours=index))
        if index != 0:
            await EventRole.get_or_create(event=event, user=user, role=Role.EXHIBITOR)
        if status in curation.SCORABLE:
            for who in (curator, second) if index % 3 else (curator,):
                await curation.record_scores(application=app, curator=who, values={
                    c.id: rng.randrange(2, 6) for c in criteria})
        if status in (AppStatus.ACCEPTED, AppStatus.WAITLISTED, AppStatus.REJECTED):
            message = "Alasan: kuota klaster sudah penuh." if status == AppStatus.REJECTED else ""
            app.decided_at, app.decided_by, app.decision_message = now, committee, message
            await app.save()
            notice = notify.decision_notice(status, event, message)
            await InboxMessage.create(producer=producer, event=event, application=app,
                                      subject=notice.subject, body=notice.text)
    # the terms above, enforced: a food producer sends with a PIRT or a BPOM uploaded
    # (expo.exhibitors.requirements; the demo exhibitor's draft shows what is missing)
    for category in (K, OL):
        await RequiredDocument.create(event=event, category=category, kinds="pirt,bpom")
