"""Where expo's templates, static files and data live: in a checkout, or installed from a wheel.

A checkout keeps ``templates/`` and ``static/`` at the top of the repository, beside ``expo/``;
the wheel carries them inside the package (``expo/templates``, ``expo/static``: the build maps
them there, see ``[tool.hatch.build]`` in pyproject.toml). The data folder defaults to
``data/`` of the checkout, or to ``./data`` (of the working directory) when installed.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
INSTALLED = (PACKAGE_DIR / "templates").is_dir()
_ROOT = PACKAGE_DIR if INSTALLED else PACKAGE_DIR.parent

TEMPLATES_DIR = _ROOT / "templates"
STATIC_DIR = _ROOT / "static"
DEFAULT_DATA_DIR = Path("data") if INSTALLED else PACKAGE_DIR.parent / "data"
