"""Migration upkeep: ``python -m expo.migration_tools freeze [FILE ...]``.

``tortoise makemigrations`` writes ``from expo.x.models import Status`` into a new migration for
each enum a ``CharEnumField`` uses. A migration must not depend on the live code: renaming or
removing a member later would break every database still to be migrated. ``freeze`` replaces
each such import by a copy of the enum as it is now, a small class inside the migration (what
Tortoise needs of ``enum_type``: the members' names and values). Without FILE it freezes every
migration of ``expo/migrations`` that still imports from expo. Anything else imported from expo
(a default callable, say) is refused: copy what the migration needs into it by hand.
``make migration NAME=what_changed`` runs ``makemigrations`` and then this.
"""

from __future__ import annotations

import ast
import enum
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class FreezeError(Exception):
    """A migration imports something from expo that is not an enum."""


def _is_live(module: str | None) -> bool:
    return module is not None and (module == "expo" or module.startswith("expo."))


def live_imports(source: str) -> list[str]:
    """Every ``expo...`` name a migration's source imports (``module.name``), in order."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and _is_live(node.module):
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names if _is_live(alias.name)]
    return names


def frozen_class(name: str, enum_type: type[enum.Enum], origin: str) -> str:
    """The source of a class with ``enum_type``'s members as they are now."""
    if issubclass(enum_type, str):
        base = "StrEnum"
    elif issubclass(enum_type, int):
        base = "IntEnum"
    else:
        base = "Enum"
    lines = [f"class {name}({base}):", f'    """{origin} when this migration was written."""', ""]
    lines += [f"    {member.name} = {member.value!r}" for member in enum_type]
    return "\n".join(lines)


def freeze_source(source: str, where: str = "<migration>") -> str:
    """``source`` with every ``from expo... import Enum`` replaced by a frozen copy."""
    tree = ast.parse(source)
    lines = source.splitlines()
    drop: set[int] = set()
    classes: list[str] = []
    bases: set[str] = set()
    last_import = 0
    for node in tree.body:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        last_import = node.end_lineno or node.lineno
        if isinstance(node, ast.Import) and any(_is_live(a.name) for a in node.names):
            raise FreezeError(f"{where}: `import expo...` in a migration: freeze it by hand")
        if not isinstance(node, ast.ImportFrom) or not _is_live(node.module):
            continue
        drop.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        module = importlib.import_module(str(node.module))
        for alias in node.names:
            value = getattr(module, alias.name)
            if not (isinstance(value, type) and issubclass(value, enum.Enum)):
                raise FreezeError(f"{where}: {node.module}.{alias.name} is not an enum: copy "
                                  "what the migration needs into it by hand")
            code = frozen_class(alias.asname or alias.name, value, f"{node.module}.{alias.name}")
            classes.append(code)
            bases.add(code.split("(", 1)[1].split(")", 1)[0])
    if not drop:
        return source
    head = [line for number, line in enumerate(lines[:last_import], 1) if number not in drop]
    head.append(f"from enum import {', '.join(sorted(bases))}")
    block = ["", "", "# Frozen copies of the app's enums: a migration never imports the live code."]
    for number, code in enumerate(classes):
        block += [code] if number == 0 else ["", "", code]
    rest = lines[last_import:]
    while rest and not rest[0].strip():
        rest = rest[1:]
    return "\n".join([*head, *block, "", "", *rest]) + "\n"


def freeze(paths: Sequence[Path]) -> list[Path]:
    """Freeze the given migration files in place; returns those that changed."""
    changed = []
    for path in paths:
        source = path.read_text(encoding="utf-8")
        frozen = freeze_source(source, str(path))
        if frozen != source:
            path.write_text(frozen, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: Sequence[str]) -> int:
    if not argv or argv[0] != "freeze":
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    paths = [Path(arg) for arg in argv[1:]] or sorted(MIGRATIONS_DIR.glob("[0-9]*.py"))
    try:
        changed = freeze(paths)
    except FreezeError as exc:
        print(f"expo: {exc}", file=sys.stderr)
        return 1
    for path in changed:
        print(f"froze the enums of {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
