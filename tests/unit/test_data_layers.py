"""The data services and the whole domain import no SQLAlchemy and no adapter: storage
is reached through the unit of work's repositories (issue 16). Read from the source, so
a new import fails here before it bends the layers."""
import ast
from pathlib import Path

import pytest

MARKET = Path(__file__).resolve().parents[2] / "market"
DATA_SERVICES = ("imports", "import_upsert", "import_reports", "contracts", "accounts", "achievements", "demands",
                 "credentials", "demo_feed", "seed", "common", "stats", "views")
MODULES = [MARKET / "services" / f"{name}.py" for name in DATA_SERVICES] + sorted((MARKET / "domain").glob("*.py"))


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_module_imports_no_sqlalchemy_and_no_adapter(path):
    bad = {name for name in imported_modules(path)
           if name.split(".")[0] == "sqlalchemy" or name.startswith(("market.adapters", "..adapters"))}
    assert not bad, f"{path.name} imports {sorted(bad)}"
