"""`make load`: gunicorn (2 workers) on PostgreSQL with the benchmark data, loaded by wrk.

60 s at 20 concurrent connections, each request signed in as one of 20 users (approvers and
instructors), mixing the application list, application details and the dashboard. Only
127.0.0.1 is targeted; wrk stops by itself after the duration, and gunicorn is stopped after.
Writes bench/load.json.
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

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "bench"
PORT = int(os.environ.get("LOAD_PORT", "8111"))
DURATION = os.environ.get("LOAD_DURATION", "60s")
CONNECTIONS = int(os.environ.get("LOAD_CONNECTIONS", "20"))


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
        "DJANGO_SETTINGS_MODULE": "fipe.settings",
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
    server = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            "fipe.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**env, "STATIC_ROOT": str(static_root)},
    )
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/connexion/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            return fail("gunicorn did not start")
        subprocess.run(
            ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", DURATION, "--timeout", "10s", "-s", "bench/load.lua",
             f"http://127.0.0.1:{PORT}"],
            cwd=ROOT,
            check=True,
            timeout=600,
        )  # fmt: skip
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    figures = json.loads((HERE / "load-wrk.json").read_text())
    figures.update({"workers": 2, "connections": CONNECTIONS, "duration": DURATION, "cpus": os.cpu_count()})
    (HERE / "load.json").write_text(json.dumps(figures, indent=2))
    errors = sum(value for key, value in figures.items() if key.startswith("errors_"))
    print(json.dumps(figures, indent=2))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
