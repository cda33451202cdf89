"""Tortoise ORM configuration and migrations.

All domain models live in one Tortoise app (``models``) so that foreign keys cross domains
freely; its migrations are the top-level ``migrations/`` package.
"""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise
from tortoise.migrations.api import migrate as tortoise_migrate

from expo.settings import Settings, SettingsError

MODEL_MODULES = [
    "expo.accounts.models",
    "expo.events.models",
    "expo.audit.models",
    "expo.exhibitors.models",
    "expo.visitors.models",
    "expo.booths.models",
    "expo.leads.models",
    "expo.reports.models",
]


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": database_url},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _env_config() -> dict[str, Any]:
    try:
        return tortoise_config(Settings.from_env().database_url)
    except SettingsError:  # the tortoise CLI imports this module; fall back to a safe default
        return tortoise_config("sqlite://data/expo.sqlite3")


# Used by the ``tortoise`` command line (see [tool.tortoise] in pyproject.toml).
TORTOISE_ORM = _env_config()


async def migrate(settings: Settings) -> None:
    """Apply pending migrations, then close the connections it opened."""
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        await tortoise_migrate(config=tortoise_config(settings.database_url))
    finally:
        await Tortoise.close_connections()
