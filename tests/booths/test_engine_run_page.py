"""The optimality gap of a cluster run reaches the stored run and the committee's run page."""

from __future__ import annotations

from bs4 import BeautifulSoup

from expo.accounts.models import Role
from expo.booths import allocation
from expo.booths.models import ClusterMode
from tests.booths.factories import make_application, make_hall, make_row
from tests.factories import PASSWORD, make_event, make_user


async def test_run_page_shows_the_gap_of_a_cluster_run(client, db: str) -> None:  # type: ignore[no-untyped-def]
    event = await make_event()
    hall = await make_hall(event)
    await make_row(hall, 2, zone="Kriya")
    await make_row(hall, 2, prefix="B", y=6, zone="Batik")
    committee = await make_user(event=event, role=Role.COMMITTEE)
    for cluster in ("rotan", "rotan", "amplang"):
        await make_application(event, cluster=cluster)
    run = await allocation.run_allocation(event=event, by=committee, seed=3,
                                          cluster_mode=ClusterMode.TOGETHER, max_seconds=0.5)
    assert run.metrics["objective"] <= run.metrics["bound"]
    assert run.metrics["gap"] == 0 and run.metrics["solver"] == "zones MIP + flow (optimal)"
    await client.login(committee.email, PASSWORD)
    page = BeautifulSoup((await client.get(
        f"/manage/e/{event.slug}/allocation/runs/{run.id}")).text, "html.parser")
    gap = page.select_one("dl.metrics dd[data-gap]")
    assert gap is not None and gap.text.startswith("0.00%")
    assert "Selisih dari optimum" in page.select_one("dl.metrics").text  # type: ignore[union-attr]
