"""`make bench`: runs every bench/bench_*.py module and writes bench/results.json.

Each module defines `run() -> list[dict]`; each dict is one measured figure with at least
`name`, `value`, `unit`, and optionally `floor`, `ratio`, `goal`, `ok`.

The benchmarks never touch the working database: a separate one is created for the run
(`test_<name>` on PostgreSQL when DATABASE_URL is set, bench/data/bench.sqlite3 otherwise)
and dropped at the end.
"""

import importlib
import json
import os
import pkgutil
import platform
import sys
from pathlib import Path

import django

HERE = Path(__file__).resolve().parent


def main(selected: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fipe.settings")
    # Timed as production runs: DEBUG off, compiled templates, hashed static files, sessions in the file cache.
    os.environ.update(
        DEBUG="0",
        SECRET_KEY="bench-only-" + "x" * 50,
        ALLOWED_HOSTS="localhost,testserver,127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=str(HERE / "data" / "static"),
        FIPE_CACHE_DIR=str(HERE / "data" / "cache"),
    )
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if not (settings.STATIC_ROOT / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)
    # The pages and their floors (bench/floors.py) behind the same middleware.
    settings.ROOT_URLCONF = "bench.floors"

    if connection.vendor == "sqlite":
        (HERE / "data").mkdir(exist_ok=True)
        target = HERE / "data" / "bench.sqlite3"
        target.unlink(missing_ok=True)
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(target)
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        return _run(selected)
    finally:
        teardown_databases(databases, verbosity=0)


def _run(selected: list[str]) -> int:
    from django.conf import settings
    from django.db import connection

    modules = sorted(name for _, name, _ in pkgutil.iter_modules([str(HERE)]) if name.startswith("bench_"))
    if selected:
        modules = [name for name in modules if any(part in name for part in selected)]
    # A run of some modules keeps the figures of the others.
    path = HERE / "results.json"
    results = json.loads(path.read_text()) if selected and path.exists() else {}
    failed = False
    for name in modules:
        print(f"\n== {name}")
        # Each module's figures with the machine and its load when they were measured: other programs
        # share the cores, and the load average says how much the times are inflated.
        machine = {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "debug": settings.DEBUG,
            "database": connection.vendor,
            "load_average_start": [round(value, 2) for value in os.getloadavg()],
        }
        rows = importlib.import_module(f"bench.{name}").run()
        machine["load_average_end"] = [round(value, 2) for value in os.getloadavg()]
        results[name] = rows
        results.setdefault("machines", {})[name] = machine
        for row in rows:
            verdict = "" if row.get("ok") is None else ("  ok" if row["ok"] else "  ABOVE GOAL")
            failed |= row.get("ok") is False
            extra = f"  (floor {row['floor']} {row['unit']}, ratio {row['ratio']:.2f})" if "floor" in row else ""
            extra += f"  {row['queries']} queries" if "queries" in row else ""
            print(f"{row['name']:<72} {row['value']:>12} {row['unit']}{extra}{verdict}")
            for goal in row.get("goals", []):
                if not goal["met"]:
                    print(f"    not met: {goal['goal']}")
        # After each module, so that an interrupted run keeps what it has measured.
        results.pop("machine", None)  # the whole run's, before each module had its own
        path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print(f"\nWritten {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
