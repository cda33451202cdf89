"""The wheel carries what the installed app needs: built from this checkout, installed into a
fresh venv outside it, migrated by `python -m expo migrate` and by the `expo` script from a
temporary directory, and serving its pages (templates, static files, Indonesian catalogs) from
the installed location, without importing anything of the repository.

Fast and offline: the wheel is built without build isolation (hatchling comes with the test
tools) and installed with --no-deps; the venv reaches the running environment's dependencies
through a .pth file.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
import sysconfig
import textwrap
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180

# Served from inside the venv: GET /login (Indonesian by default), a static file, the service
# worker (read from the static folder), and where every imported expo module came from.
RENDER = textwrap.dedent("""
    import asyncio, json, sys
    import httpx
    from expo import paths
    from expo.app import create_app

    async def main():
        app = create_app()
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app)
            async with httpx.AsyncClient(transport=transport,
                                         base_url="http://127.0.0.1:8000") as client:
                login = await client.get("/login")
                css = await client.get("/static/css/app.css")
                sw = await client.get("/sw.js")
        files = sorted({m.__file__ for name, m in sys.modules.items()
                        if (name == "expo" or name.startswith("expo.")) and m.__file__})
        print(json.dumps({"login": [login.status_code, login.text],
                          "css": [css.status_code, len(css.content)], "sw": sw.status_code,
                          "templates": str(paths.TEMPLATES_DIR), "files": files}))

    asyncio.run(main())
""")


def _run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None,
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT, check=True)


def _pins(lock: Path) -> dict[str, set[str]]:
    """name -> pinned versions (one per Python range) of a lock; every pin carries a hash."""
    pins: dict[str, set[str]] = {}
    lines = [line for line in lock.read_text().splitlines() if not line.lstrip().startswith("#")]
    for number, line in enumerate(lines):
        if line and not line.startswith(" "):
            name, version = line.split(" ;")[0].rstrip(" \\").split("==")
            assert lines[number + 1].strip().startswith("--hash=sha256:"), line
            pins.setdefault(canonicalize_name(name), set()).add(version)
    return pins


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("hatchling") is None:
        if os.environ.get("CI"):
            pytest.fail("hatchling is missing: `make test` installs it with the test tools")
        pytest.skip("hatchling is missing (the test tools of `make test` bring it)")
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
          "--no-build-isolation", "--wheel-dir", dist, ROOT], cwd=dist)
    (built,) = dist.glob("expo-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; the bin folder."""
    root = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", "--without-pip", root], cwd=root)
    python = root / "bin" / "python"
    purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                   cwd=root).stdout.strip()
    here = sysconfig.get_paths()
    (Path(purelib) / "_running_env.pth").write_text(
        "".join(f"{path}\n" for path in dict.fromkeys([here["purelib"], here["platlib"]])))
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
          "--no-index", wheel], cwd=root)
    return root / "bin"


@pytest.fixture
def outside(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A working directory outside the repository, and an environment that names no part of
    it (no PYTHONPATH, no EXPO_* settings of the test run)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("EXPO_", "PYTHON", "VIRTUAL_ENV", "PYTEST"))}
    env["EXPO_SECRET_KEY"] = "packaging-test-secret-key-0123456789abcdef"
    assert not tmp_path.is_relative_to(ROOT)
    return tmp_path, env


def test_wheel_carries_migrations_catalogs_templates_and_static(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ["expo/migrations/__init__.py", "expo/migrations/0001_initial.py",
                 "expo/locale/id/foundation.po", "expo/templates/base.html",
                 "expo/templates/accounts/login.html", "expo/static/js/sw.js",
                 "expo/static/vendor/htmx/htmx.min.js",
                 "expo/static/vendor/barcode-detector/zxing_reader.wasm"]:
        assert name in names, name
    assert not {n for n in names if n.startswith(("templates/", "static/", "migrations/"))}
    assert "expo/static/vendor/package.json" not in names  # the vendoring recipe stays home
    entry_points = zipfile.ZipFile(wheel).read("expo-0.1.0.dist-info/entry_points.txt").decode()
    assert "expo = expo.cli:main" in entry_points


def test_installed_expo_migrates_with_python_m_and_the_script(venv, outside):
    cwd, env = outside
    out = _run([venv / "python", "-m", "expo", "migrate"], cwd=cwd, env=env).stdout
    assert "Database is up to date." in out
    default = cwd / "data" / "expo.sqlite3"  # installed, the data folder is ./data
    assert {"events", "users", "visitors", "booths", "tortoise_migrations"} <= _tables(default)

    other = cwd / "other.sqlite3"
    script_env = {**env, "EXPO_DATABASE_URL": f"sqlite://{other}"}
    assert "Database is up to date." in _run([venv / "expo", "migrate"], cwd=cwd,
                                             env=script_env).stdout
    assert _tables(other) == _tables(default)
    usage = _run([venv / "expo", "migrate", "--help"], cwd=cwd, env=env).stdout
    assert usage.startswith("usage: expo migrate")


def test_installed_app_renders_pages_from_the_installed_location(venv, outside):
    cwd, env = outside
    _run([venv / "expo", "migrate"], cwd=cwd, env=env)
    (cwd / "render.py").write_text(RENDER)
    result = json.loads(_run([venv / "python", "render.py"], cwd=cwd, env=env).stdout)
    status, html = result["login"]
    assert status == 200 and "Masuk" in html  # the Indonesian catalog was found
    assert result["css"][0] == 200 and result["css"][1] > 0
    assert result["sw"] == 200
    prefix = str(venv.parent)
    assert result["templates"].startswith(prefix)
    assert result["files"] and all(f.startswith(prefix) for f in result["files"]), [
        f for f in result["files"] if not f.startswith(prefix)]
    assert not any(f.startswith(str(ROOT)) for f in result["files"])


def test_locks_pin_every_declared_dependency_with_hashes():
    """pyproject.toml says what expo works with, the locks what it is tested and run with:
    after a change to the dependencies, `make lock`."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, test = _pins(ROOT / "requirements/runtime.txt"), _pins(ROOT / "requirements/test.txt")
    extras = project["optional-dependencies"]["test"]
    for lock, declared in [(runtime, project["dependencies"]),
                           (test, project["dependencies"] + extras)]:
        for line in declared:
            req = Requirement(line)
            versions = lock.get(canonicalize_name(req.name))
            assert versions, f"{req.name} is not in the lock: run `make lock`"
            assert all(req.specifier.contains(v, prereleases=True) for v in versions), line
    assert {name: v for name, v in runtime.items() if test.get(name) != v} == {}
    assert "scipy" not in runtime and "scipy" not in test


def test_vendored_npm_packages_are_locked_with_integrity():
    vendor = ROOT / "static" / "vendor"
    wanted = json.loads((vendor / "package.json").read_text())["dependencies"]
    lock = json.loads((vendor / "package-lock.json").read_text())
    assert lock["packages"][""]["dependencies"] == wanted
    packages = {k: v for k, v in lock["packages"].items() if k}
    for name, version in wanted.items():
        assert packages[f"node_modules/{name}"]["version"] == version
    assert all(p["integrity"].startswith("sha512-") for p in packages.values())
