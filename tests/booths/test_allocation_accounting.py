"""Allocation accounting: every accepted application is placed, waitlisted or shown as
"accepted after this run", with counts that add up; zone rules are chosen from lists."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup

from expo.accounts.models import Role, User
from expo.booths import allocation
from expo.booths.models import AllocationPolicy, AllocationRun
from expo.events.models import Event
from expo.exhibitors.models import Application, AppStatus, Category
from tests.booths.factories import make_application, make_hall, make_row
from tests.factories import PASSWORD, make_event, make_user

POLICY = {"smk_points": "20", "micro_points": "15", "first_time_points": "10",
          "rotation_penalty": "10", "curation_points": "3", "early_points": "5",
          "mode": "optimal", "cluster_mode": "none", "slot_minutes": "30", "slot_size": "10"}


def soup(response):  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def counts(page: BeautifulSoup, scope: str) -> dict[str, int]:
    return {dd["data-count"]: int(dd.text) for dd in page.select(f"{scope} dd[data-count]")}


@dataclass
class Fair:
    event: Event
    committee: User
    run: AllocationRun
    in_run: list[Application]
    after: list[Application]

    @property
    def base(self) -> str:
        return f"/manage/e/{self.event.slug}/allocation"


@pytest.fixture
async def fair(db: str) -> Fair:
    """Two kriya booths, three accepted applications (two placed, one waitlisted) in run 1;
    then one of them withdraws and two more are accepted."""
    event = await make_event()
    hall = await make_hall(event)
    await make_row(hall, 2, zone="Kriya")
    await make_row(hall, 1, prefix="K", y=6, zone="Kuliner")
    committee = await make_user(event=event, role=Role.COMMITTEE)
    in_run = [await make_application(event) for _ in range(3)]
    policy = await allocation.policy_for(event)
    policy.zone_rules = {"kriya": ["Kriya"]}
    await policy.save()
    run = await allocation.run_allocation(event=event, by=committee, seed=1,
                                          max_seconds=0.5)
    after = [await make_application(event, category=Category.FESYEN) for _ in range(2)]
    await Application.filter(id=in_run[0].id).update(status=AppStatus.WITHDRAWN)
    return Fair(event, committee, run, in_run, after)


async def test_run_account_adds_up_with_accepted_after_and_withdrawn(fair: Fair) -> None:
    rows = await allocation.run_rows(fair.run)
    account = await allocation.run_account(fair.run, rows)
    placed_before = {r.application.id for r in rows if r.booths}
    assert len(placed_before) == 2  # two booths of kriya for three kriya applications
    assert account.accepted == 4
    assert sorted(a.id for a in account.after) == sorted(a.id for a in fair.after)
    assert [a.id for a in account.withdrawn] == [fair.in_run[0].id]
    assert account.placed == len(placed_before - {fair.in_run[0].id})
    assert account.placed + account.waitlisted + len(account.after) == account.accepted
    assert account.balanced
    many = await allocation.run_accounts(fair.event, [fair.run])
    assert many[fair.run.id] == account


async def test_a_new_run_places_or_waitlists_everyone_accepted(fair: Fair) -> None:
    second = await allocation.run_allocation(event=fair.event, by=fair.committee, seed=2,
                                             max_seconds=0.5)
    account = (await allocation.run_accounts(fair.event, [fair.run, second]))[second.id]
    assert account.after == [] and account.withdrawn == []
    assert account.accepted == 4 and account.placed + account.waitlisted == 4
    assert account.placed == 3  # three booths


async def test_allocation_and_run_pages_show_accounts_that_add_up(client, fair: Fair) -> None:  # type: ignore[no-untyped-def]
    await client.login(fair.committee.email, PASSWORD)
    page = soup(await client.get(fair.base))
    summary = counts(page, "#allocation-account")
    assert summary["accepted"] == 4 and summary["after"] == 2
    assert summary["placed"] + summary["waitlisted"] + summary["after"] == summary["accepted"]
    row = page.select("#runs tbody tr")[0].select("td")
    assert [int(c.text) for c in row[4:7]] == [summary["placed"], summary["waitlisted"], 2]
    detail = soup(await client.get(fair.base + f"/runs/{fair.run.id}"))
    assert counts(detail, "dl.metrics") == summary
    listed = {int(li["data-app"]) for li in detail.select("#accepted-after li[data-app]")}
    assert listed == {a.id for a in fair.after}
    withdrawn = detail.select_one(f"#run-rows tr[data-app='{fair.in_run[0].id}'] .badge")
    assert withdrawn is not None and withdrawn.text == "tidak lagi diterima"


async def test_run_page_is_403_for_exhibitors_and_404_for_another_events_run(client, fair: Fair) -> None:  # type: ignore[no-untyped-def]
    exhibitor = await make_user(event=fair.event, role=Role.EXHIBITOR)
    await client.login(exhibitor.email, PASSWORD)
    assert (await client.get(fair.base + f"/runs/{fair.run.id}")).status_code == 403
    other = await make_event()
    committee = await make_user(event=other, role=Role.COMMITTEE)
    client.cookies.clear()
    await client.login(committee.email, PASSWORD)
    assert (await client.get(f"/manage/e/{other.slug}/allocation/runs/{fair.run.id}")
            ).status_code == 404


async def test_zone_rules_are_chosen_from_lists(client, fair: Fair) -> None:  # type: ignore[no-untyped-def]
    await client.login(fair.committee.email, PASSWORD)
    page = soup(await client.get(fair.base))
    assert page.select_one("textarea[name=zone_rules]") is None
    zones = [o["value"] for o in page.select("select[name=rule-1-zone] option") if o["value"]]
    assert zones == ["Kriya", "Kuliner"]
    first = page.select_one("select[name=rule-0-zone] option[selected]")
    assert first is not None and first["value"] == "Kriya"  # the saved rule, chosen
    categories = {o["value"]: o.text for o in page.select("select[name=rule-1-category] option")}
    assert categories["kuliner"] == "Kuliner" and categories["fesyen"] == "Fesyen & batik"
    saved = await client.submit(fair.base + "/policy", {
        **POLICY, "rule-0-category": "kuliner", "rule-0-zone": "Kuliner",
        "rule-1-category": "kriya", "rule-1-zone": "Kriya",
        "rule-2-category": "kuliner", "rule-2-zone": "Kriya"})
    assert saved.status_code == 303
    policy = await AllocationPolicy.get(event=fair.event)
    assert policy.zone_rules == {"kuliner": ["Kuliner", "Kriya"], "kriya": ["Kriya"]}
    again = soup(await client.get(fair.base))
    chosen = [(again.select_one(f"select[name=rule-{n}-category] option[selected]")["value"],
               again.select_one(f"select[name=rule-{n}-zone] option[selected]")["value"])
              for n in range(3)]
    assert chosen == [("kuliner", "Kuliner"), ("kuliner", "Kriya"), ("kriya", "Kriya")]
    assert again.select_one("select[name=rule-3-category] option[selected]") is None


async def test_zone_rules_refuse_unknown_zones_and_categories_on_the_form(client, fair: Fair) -> None:  # type: ignore[no-untyped-def]
    await client.login(fair.committee.email, PASSWORD)
    bad = await client.submit(fair.base + "/policy", {
        **POLICY, "rule-0-category": "kuliner", "rule-0-zone": "Atlantis",
        "rule-1-category": "nope", "rule-1-zone": "Kriya", "rule-2-zone": "Kriya"})
    assert bad.status_code == 422
    page = soup(bad)
    assert page.select_one("#e-rule-0-zone").text == "Pilih zona dari denah."
    assert page.select_one("#e-rule-1-category").text == "Pilih kategori."
    assert page.select_one("#e-rule-2-category")
    kept = page.select_one("select[name=rule-0-category] option[selected]")
    assert kept is not None and kept["value"] == "kuliner"
    assert (await AllocationPolicy.get(event=fair.event)).zone_rules == {"kriya": ["Kriya"]}
    forged = await client.post(fair.base + "/policy", data={**POLICY, "csrf_token": "forged"})
    assert forged.status_code == 403
