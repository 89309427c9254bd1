"""`make load`: gunicorn (2 workers) on PostgreSQL with the benchmark data, loaded by wrk.

Two runs against the same gunicorn, each 60 s at 20 concurrent connections signed in as 20
approvers: first the floor, a bare view behind the same middleware that renders the signed-in
user's name with a minimal template (bench/load_urls.py); then the mix of pages (application
lists, detail tabs, dashboards, home page, API list). Both are made once for each cache the
production settings offer: files (one machine) and Redis (REDIS_URL; database LOAD_REDIS_URL,
emptied first, skipped when no server answers). Only 127.0.0.1 is targeted; wrk stops by itself
after the duration, and gunicorn is stopped after. Writes bench/load.json with each cache's runs,
the mix's share of the floor's requests per second and the goals, met or not.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "bench"
PORT = int(os.environ.get("LOAD_PORT", "8111"))
DURATION = os.environ.get("LOAD_DURATION", "60s")
CONNECTIONS = int(os.environ.get("LOAD_CONNECTIONS", "20"))
GOAL_SHARE = 0.40  # of the floor's requests per second
GOAL_RPS = 200
GOAL_P95_MS = 150


def fail(message: str) -> int:
    sys.stderr.write(f"load: {message}\n")
    return 1


def main() -> int:
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        return fail("set DATABASE_URL to a PostgreSQL database reserved for the load test (it is emptied)")
    if not shutil.which("wrk"):
        return fail("wrk is missing: apt-get install -y wrk")
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "load-test-only-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "FIPE_CACHE_DIR": str(HERE / "data" / "cache"),
        "REDIS_URL": "",  # the data is filled with the files cache, the first measured
    }
    python = sys.executable
    subprocess.run([python, "manage.py", "flush", "--no-input"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    static_root = HERE / "data" / "static"
    subprocess.run(
        [python, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env={**env, "STATIC_ROOT": str(static_root)},
        check=True,
    )
    subprocess.run([python, "-m", "bench.load_targets"], cwd=ROOT, env=env, check=True)
    started_load = [round(value, 2) for value in os.getloadavg()]
    runs = []
    for cache, settings in caches():
        runs.append({"cache": cache, **served(python, {**env, **settings, "STATIC_ROOT": str(static_root)})})
    figures = {
        "runs": runs,
        "workers": 2,
        "connections": CONNECTIONS,
        "duration": DURATION,
        "cpus": os.cpu_count(),
        # Other programs share the cores: the load average says how much the figures are held down.
        "load_average_start": started_load,
        "load_average_end": [round(value, 2) for value in os.getloadavg()],
    }
    (HERE / "load.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    missed = [f"{run['cache']}: {goal['goal']}" for run in runs for goal in run["goals"] if not goal["met"]]
    for goal in missed:
        print(f"not met: {goal}")
    return 1 if missed else 0


def caches() -> list[tuple[str, dict]]:
    """The caches to measure with, and the settings that choose each: files, then Redis when a server answers."""
    found = [("files", {})]
    url = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).flushdb()  # a database of its own: no stale page
    except (OSError, redis.RedisError) as error:
        sys.stderr.write(f"load: no Redis run ({error})\n")
    else:
        found.append(("redis", {"REDIS_URL": url}))
    return found


def served(python: str, env: dict) -> dict:
    """The floor's run and the mix's against one gunicorn started with `env`; their figures and goals."""
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "fipe.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{PORT}",
         "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/connexion/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("load: gunicorn did not start")
        floor = wrk("bench/load-floor-targets.txt", "bench/load-floor-wrk.json")
        mix = wrk("bench/load-targets.txt", "bench/load-wrk.json")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    share = mix["rps"] / floor["rps"]
    goals = [
        {"goal": f"mix ≥ {GOAL_SHARE:.0%} of the floor's requests/s", "met": share >= GOAL_SHARE},
        {"goal": f"mix ≥ {GOAL_RPS} requests/s", "met": mix["rps"] >= GOAL_RPS},
        {"goal": f"mix p95 ≤ {GOAL_P95_MS} ms", "met": mix["p95_ms"] <= GOAL_P95_MS},
        {"goal": "0 errors", "met": errors(mix) == 0 and errors(floor) == 0},
    ]
    return {"floor": floor, "mix": mix, "share_of_floor": round(share, 3), "goals": goals}


def errors(run: dict) -> int:
    return sum(value for key, value in run.items() if key.startswith("errors_"))


def wrk(targets: str, output: str) -> dict:
    """One wrk run over the targets' cookies and paths; its figures."""
    subprocess.run(
        ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", DURATION, "--timeout", "10s", "-s", "bench/load.lua",
         f"http://127.0.0.1:{PORT}"],
        cwd=ROOT,
        env={**os.environ, "LOAD_TARGETS": targets, "LOAD_OUTPUT": output},
        check=True,
        timeout=600,
    )  # fmt: skip
    return json.loads((ROOT / output).read_text())


if __name__ == "__main__":
    sys.exit(main())
