"""EXPO_PAYMENT_GATEWAY and EXPO_MIDTRANS_*: off by default, validated at start-up, the
server key never in ``repr``."""

from __future__ import annotations

from pathlib import Path

import pytest

from expo.settings import (
    MIDTRANS_PRODUCTION,
    MIDTRANS_SANDBOX,
    PaymentGatewaySettings,
    Settings,
    SettingsError,
)

KEY = "SB-Mid-server-s3cret-0123456789"


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"EXPO_DATA_DIR": str(tmp_path), **values}


def test_payment_gateway_is_off_by_default(tmp_path: Path) -> None:
    for value in ("", "off", "none", " "):
        settings = Settings.from_env(env(tmp_path, EXPO_PAYMENT_GATEWAY=value,
                                         EXPO_MIDTRANS_SERVER_KEY=KEY))
        assert settings.payment_gateway == PaymentGatewaySettings()
        assert not settings.payment_gateway.enabled
    assert not Settings(database_url="sqlite://:memory:", secret_key="x" * 32
                        ).payment_gateway.enabled


def test_midtrans_defaults_to_the_sandbox_and_hides_its_key(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path, EXPO_PAYMENT_GATEWAY="Midtrans",
                                     EXPO_MIDTRANS_SERVER_KEY=f" {KEY} "))
    gateway = settings.payment_gateway
    assert gateway.enabled and gateway.provider == "midtrans"
    assert gateway.server_key == KEY and gateway.base_url == MIDTRANS_SANDBOX
    assert KEY not in repr(settings) and KEY not in repr(gateway)


def test_midtrans_production(tmp_path: Path) -> None:
    settings = Settings.from_env(env(
        tmp_path, EXPO_PAYMENT_GATEWAY="midtrans", EXPO_MIDTRANS_SERVER_KEY="Mid-server-live1",
        EXPO_MIDTRANS_BASE_URL=MIDTRANS_PRODUCTION + "/"))
    assert settings.payment_gateway.base_url == MIDTRANS_PRODUCTION


def test_midtrans_on_loopback_takes_any_key(tmp_path: Path) -> None:
    settings = Settings.from_env(env(
        tmp_path, EXPO_PAYMENT_GATEWAY="midtrans", EXPO_MIDTRANS_SERVER_KEY="Mid-server-x",
        EXPO_MIDTRANS_BASE_URL="http://127.0.0.1:9999"))
    assert settings.payment_gateway.base_url == "http://127.0.0.1:9999"


@pytest.mark.parametrize(("values", "fragment"), [
    ({"EXPO_PAYMENT_GATEWAY": "xendit"}, "EXPO_PAYMENT_GATEWAY"),
    ({"EXPO_PAYMENT_GATEWAY": "midtrans"}, "EXPO_MIDTRANS_SERVER_KEY"),
    ({"EXPO_PAYMENT_GATEWAY": "midtrans", "EXPO_MIDTRANS_SERVER_KEY": "  "},
     "EXPO_MIDTRANS_SERVER_KEY"),
    ({"EXPO_PAYMENT_GATEWAY": "midtrans", "EXPO_MIDTRANS_SERVER_KEY": KEY,
      "EXPO_MIDTRANS_BASE_URL": "api.midtrans.com"}, "EXPO_MIDTRANS_BASE_URL"),
    ({"EXPO_PAYMENT_GATEWAY": "midtrans", "EXPO_MIDTRANS_SERVER_KEY": KEY,
      "EXPO_MIDTRANS_BASE_URL": MIDTRANS_PRODUCTION}, "sandbox key"),
    ({"EXPO_PAYMENT_GATEWAY": "midtrans", "EXPO_MIDTRANS_SERVER_KEY": "Mid-server-live1"},
     "production key"),
])
def test_bad_payment_gateway_settings_explain_themselves(tmp_path: Path,
                                                         values: dict[str, str],
                                                         fragment: str) -> None:
    with pytest.raises(SettingsError) as err:
        Settings.from_env(env(tmp_path, **values))
    message = str(err.value)
    assert fragment in message and "\n" not in message
    assert KEY not in message and "Mid-server-live1" not in message
