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


def _claim_in_process(url: str, booth_id: int, app_ids: list[int]) -> list[int]:
    """A separate worker process with its own connection pool (like a second uvicorn worker)."""
    from tortoise import Tortoise

    from expo.db import tortoise_config

    async def run() -> list[int]:
        await Tortoise.init(config=tortoise_config(url))
        try:
            async def attempt(app_id: int) -> int | None:
                try:
                    await claim_booth(booth_id=booth_id, application_id=app_id)
                except DomainError:
                    return None
                return app_id

            results = await asyncio.gather(*(attempt(a) for a in app_ids))
            return [r for r in results if r is not None]
        finally:
            await Tortoise.close_connections()

    return asyncio.run(run())


async def test_claims_from_several_worker_processes_have_one_winner(pg_db: str) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from tortoise import connections

    from tests.conftest import pg_database_url

    event = await make_event()
    [booth] = await make_row(await make_hall(event), 1)
    apps = [(await make_application(event)).id for _ in range(50)]
    url = pg_database_url(connections.get("default").database)
    chunks = [apps[i::4] for i in range(4)]
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        winners = sum(await asyncio.gather(*(
            loop.run_in_executor(pool, _claim_in_process, url, booth.id, chunk)
            for chunk in chunks)), [])
    assert len(winners) == 1
    assert (await Booth.get(id=booth.id)).holder_id == winners[0]  # type: ignore[attr-defined]
