"""The flow runs one way: bot/ and evals/ reach ingest only through its public surface, ingest/ never reaches bot/."""
from __future__ import annotations

import ast
from pathlib import Path

import ingest

REPO = Path(__file__).resolve().parents[1]


def _imports(folder: str) -> list[tuple[Path, str, list[str]]]:
    found = []
    for path in sorted((REPO / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.append((path, node.module, [alias.name for alias in node.names]))
            elif isinstance(node, ast.Import):
                found.extend((path, alias.name, []) for alias in node.names)
    return found


def test_bot_and_evals_import_only_the_public_ingest_surface():
    offenders = [f"{path.relative_to(REPO)}: {module}" for folder in ("bot", "evals")
                 for path, module, _ in _imports(folder) if module.startswith("ingest.")]
    assert offenders == []


def test_every_name_taken_from_ingest_exists():
    for folder in ("bot", "evals"):
        for path, module, names in _imports(folder):
            if module == "ingest":
                for name in names:
                    assert hasattr(ingest, name), f"{path.relative_to(REPO)} imports {name}, which ingest does not offer"


def test_ingest_knows_nothing_of_bot_or_evals():
    offenders = [f"{path.relative_to(REPO)}: {module}" for path, module, _ in _imports("ingest")
                 if module.split(".")[0] in {"bot", "evals"}]
    assert offenders == []


def test_no_test_skips_when_one_of_our_own_modules_does_not_import():
    # an import error in bot/, ingest/ or evals/ must fail the suite, not turn it into skips that exit 0
    offenders = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "importorskip"
                    and node.args and isinstance(node.args[0], ast.Constant)
                    and str(node.args[0].value).split(".")[0] in {"bot", "ingest", "evals", "tests"}):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno} {node.args[0].value}")
    assert offenders == []
