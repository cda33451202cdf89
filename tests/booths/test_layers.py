"""The booth engine's modules import only downwards, and nothing in expo/booths hides an
import inside a function or behind TYPE_CHECKING."""

from __future__ import annotations

import ast
from pathlib import Path

import expo.booths

BOOTHS = Path(expo.booths.__file__).parent
# Each engine module may import only the ones on a lower level.
LEVELS = {"problem": 0, "feasibility": 1, "ties": 1, "flow": 1, "explain": 2,
          "engine_cluster": 2, "engine": 3}
# (module, import) allowed inside a function, for its start-up cost
LAZY = {("engine", "ortools.sat.python")}


def _targets(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    dots = "." * node.level
    if node.module is None:
        return [dots + a.name for a in node.names]
    return [dots + node.module]


def _imports_in(node: ast.AST) -> list[str]:
    return [t for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)
            for t in _targets(n)]


def _sibling(target: str) -> str | None:
    """The expo.booths module that ``target`` names, if any."""
    if target.startswith("expo.booths."):
        return target.split(".")[2]
    if target.startswith(".") and not target.startswith(".."):
        return target[1:].split(".")[0]
    return None


def _tree(module: str) -> ast.Module:
    return ast.parse((BOOTHS / f"{module}.py").read_text())


def test_layers_engine_modules_import_only_downwards() -> None:
    for module, level in LEVELS.items():
        for target in _imports_in(_tree(module)):
            sibling = _sibling(target)
            if sibling is not None:
                assert LEVELS.get(sibling, level) < level, f"{module} imports {sibling}"


def test_layers_problem_is_a_leaf() -> None:
    assert [t for t in _imports_in(_tree("problem")) if _sibling(t)
            or t.startswith("expo")] == []


def test_layers_no_import_inside_a_function_or_type_checking() -> None:
    for path in sorted(BOOTHS.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                hidden = [t for t in _imports_in(node) if (path.stem, t) not in LAZY]
                assert hidden == [], f"{path.name}: {node.name} imports {hidden}"
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                ours = [t for t in _imports_in(node) if _sibling(t) or t.startswith("expo")]
                assert ours == [], f"{path.name} imports {ours} for type checking only"
