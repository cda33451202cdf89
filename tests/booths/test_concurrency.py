"""50 simultaneous claims of one booth: exactly one wins, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from expo.booths.models import Booth
from expo.booths.service import claim_booth
from expo.errors import DomainError
from tests.booths.factories import make_application, make_hall, make_row
from tests.factories import make_event


async def test_concurrent_claims_have_one_winner(db: str) -> None:
    event = await make_event()
    [booth] = await make_row(await make_hall(event), 1)
    apps = [await make_application(event) for _ in range(50)]

    async def attempt(app_id: int) -> int | str:
        try:
            await claim_booth(booth_id=booth.id, application_id=app_id)
        except DomainError as exc:
            return exc.code
        return app_id

    results = await asyncio.gather(*(attempt(a.id) for a in apps))
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1
    assert results.count("booth_taken") == 49
    assert (await Booth.get(id=booth.id)).holder_id == winners[0]  # type: ignore[attr-defined]
