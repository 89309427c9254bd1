"""`departments` is the ground the programme stands on: it must not know the programme."""

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import departments

PROGRAMME_APPS = ("projects", "reviews")
DEPARTMENTS_ROOT = Path(departments.__file__).parent


def departments_sources() -> list[Path]:
    return [path for path in DEPARTMENTS_ROOT.rglob("*.py") if "migrations" not in path.parts]


def test_every_module_of_departments_imports():
    for module in pkgutil.walk_packages(departments.__path__, "departments."):
        importlib.import_module(module.name)


def test_departments_imports_nothing_of_the_programme():
    for path in departments_sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in PROGRAMME_APPS, f"{path.name} imports {name}"


def test_departments_names_no_programme_app_even_in_a_string():
    # A dotted path or a URL name in a string (« projects.demo… », « reviews:meeting_list ») is an import too.
    named = re.compile(r"\b(?:" + "|".join(PROGRAMME_APPS) + r")[.:]")
    for path in [*departments_sources(), *(DEPARTMENTS_ROOT.parent / "templates" / "departments").rglob("*.html")]:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            assert not named.search(line), f"{path.name}:{number} names the programme: {line.strip()}"
