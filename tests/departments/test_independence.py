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
    # Migrations too: one depending on a programme app would tie departments to it as surely as an import.
    return list(DEPARTMENTS_ROOT.rglob("*.py"))


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


# A dotted path, a URL name or an app label in a string (« projects.demo… », « reviews:meeting_list »,
# apps.get_app_config("projects")) is an import too; the words in prose (« des projets ») are not.
NAMED = re.compile(r"(?:^|[^a-z_])(?:" + "|".join(PROGRAMME_APPS) + r")[.:'\"]")


def test_the_scan_sees_the_programme_named_in_a_string():
    for named in ('"projects.demo"', "'reviews:meeting_list'", 'get_app_config("projects")', "{% url 'reviews:x' %}"):
        assert NAMED.search(named), named
    for prose in ("les projets", "sub_projects.x", "projects_count = 1"):
        assert not NAMED.search(prose), prose


def test_departments_names_no_programme_app_even_in_a_string():
    for path in [*departments_sources(), *(DEPARTMENTS_ROOT.parent / "templates" / "departments").rglob("*.html")]:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            assert not NAMED.search(line), f"{path.name}:{number} names the programme: {line.strip()}"
