"""Arrows run from `reviews` to `projects`, never back: `projects` fills no import of `reviews`.

What `projects` shows of the reviews (tabs, the approval screen's proposals, the work queue) the
reviews app registers in its `ready()`.
"""

import ast
import re
from pathlib import Path

import projects

PROJECTS_ROOT = Path(projects.__file__).parent
DYNAMIC = ("import_module", "__import__")


def imported_modules(tree: ast.AST) -> list[str]:
    """The modules a file imports, by statement or by `import_module("…")` / `__import__("…")`."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.append(node.module or "")
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in DYNAMIC:
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.append(first.value)
    return names


def test_the_scan_sees_every_kind_of_import():
    tree = ast.parse("import reviews.models\nfrom reviews import enums\nimportlib.import_module('reviews.demo')\n")
    assert imported_modules(tree) == ["reviews.models", "reviews", "reviews.demo"]


def test_projects_imports_nothing_of_reviews():
    sources = list(PROJECTS_ROOT.rglob("*.py"))
    assert len(sources) > 100
    for path in sources:
        for name in imported_modules(ast.parse(path.read_text())):
            assert name.split(".")[0] != "reviews", f"{path.relative_to(PROJECTS_ROOT)} imports {name}"


def test_no_capability_imports_back_the_root_module_that_gathers_it():
    # projects.models imports every capability's models (the app label), projects/admin.py every
    # capability's admin (Django's discovery): an import the other way round would close a loop,
    # whether of the gathering module or of one of its own modules (projects.models.calls…).
    gatherers = {"models.py": "projects.models", "admin.py": "projects.admin"}
    for name, root in gatherers.items():
        modules = [path for path in PROJECTS_ROOT.rglob(name) if path.parent != PROJECTS_ROOT]
        assert len(modules) > 5
        for path in modules:
            for imported in imported_modules(ast.parse(path.read_text())):
                assert imported != root and not imported.startswith(f"{root}."), (
                    f"{path.relative_to(PROJECTS_ROOT)} imports {imported}"
                )


def named_models(tree: ast.AST) -> list[str]:
    """The « app.Model » labels a file names in strings (lazy relations, signal senders, get_model)."""
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and MODEL_LABEL.fullmatch(node.value)
    ]


MODEL_LABEL = re.compile(r"[a-z_]+\.[A-Z]\w+")


def test_the_scan_sees_a_model_named_by_its_label():
    tree = ast.parse('post_save.connect(saved, sender="reviews.Review")\nx = "reviews.models"\n')
    assert named_models(tree) == ["reviews.Review"]


def test_projects_names_no_model_of_reviews_by_its_label():
    for path in PROJECTS_ROOT.rglob("*.py"):
        for label in named_models(ast.parse(path.read_text())):
            assert not label.startswith("reviews."), f"{path.relative_to(PROJECTS_ROOT)} names {label}"
