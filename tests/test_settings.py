import os
import stat

import pytest

from expo.settings import Settings, SettingsError


def test_defaults_use_sqlite_with_wal_and_generate_a_kept_secret(tmp_path):
    settings = Settings.from_env({"EXPO_DATA_DIR": str(tmp_path)})
    assert settings.database_url.startswith(f"sqlite://{tmp_path}/expo.sqlite3?")
    assert "journal_mode=WAL" in settings.database_url
    assert "busy_timeout=" in settings.database_url
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    again = Settings.from_env({"EXPO_DATA_DIR": str(tmp_path)})
    assert again.secret_key == settings.secret_key
    assert settings.secret_key not in repr(settings)


@pytest.mark.parametrize(("env", "fragment"), [
    ({"EXPO_DATABASE_URL": "mysql://x/y"}, "EXPO_DATABASE_URL"),
    ({"EXPO_DATABASE_URL": "postgres://127.0.0.1"}, "EXPO_DATABASE_URL"),
    ({"EXPO_SECRET_KEY": "short"}, "EXPO_SECRET_KEY"),
    ({"EXPO_BASE_URL": "ftp://x"}, "EXPO_BASE_URL"),
    ({"EXPO_HTTPS_ONLY": "maybe"}, "EXPO_HTTPS_ONLY"),
    ({"EXPO_SMTP_HOST": "mail.x", "EXPO_SMTP_PORT": "99999"}, "EXPO_SMTP_PORT"),
    ({"EXPO_MAX_BODY_MB": "lots"}, "EXPO_MAX_BODY_MB"),
])
def test_bad_settings_explain_themselves_in_one_line(tmp_path, env, fragment):
    with pytest.raises(SettingsError) as err:
        Settings.from_env({"EXPO_DATA_DIR": str(tmp_path), **env})
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_postgres_and_smtp_settings(tmp_path):
    settings = Settings.from_env({
        "EXPO_DATA_DIR": str(tmp_path), "EXPO_DATABASE_URL": "postgresql://u:p@db:5432/expo",
        "EXPO_SMTP_HOST": "smtp.kaltimprov.go.id", "EXPO_SMTP_PASSWORD": "hunter2",
        "EXPO_HTTPS_ONLY": "true", "EXPO_BASE_URL": "https://expo.kaltimprov.go.id/"})
    assert settings.database_url == "postgres://u:p@db:5432/expo"
    assert not settings.is_sqlite and settings.https_only
    assert settings.base_url == "https://expo.kaltimprov.go.id"
    assert settings.smtp is not None and settings.smtp.port == 587
    assert "hunter2" not in repr(settings)
