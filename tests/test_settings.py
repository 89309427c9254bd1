import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "x" * 60


def run_check(**env):
    environment = {
        key: value for key, value in os.environ.items() if key not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DEBUG": "0", "ALLOWED_HOSTS": "fipe.example"}, "SECRET_KEY"),
        (
            {"DEBUG": "0", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "fipe.example", "DATABASE_URL": "mysqlx://x"},
            "DATABASE_URL",
        ),
        (
            {"DEBUG": "0", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "fipe.example", "DATABASE_URL": "postgres://"},
            "DATABASE_URL",
        ),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "0", "SECRET_KEY": GOOD_KEY}, "ALLOWED_HOSTS"),
        ({"DEBUG": "1", "EMAIL_URL": "http://smtp.example.gouv.fr"}, "EMAIL_URL"),
    ],
)
def test_bad_configuration_stops_with_one_line_naming_the_variable(env, variable):
    result = run_check(**env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error:")
    assert variable in lines[0]


def test_the_smtp_server_and_sender_come_from_the_environment():
    environment = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "DEFAULT_FROM_EMAIL"}}
    environment.update(DEBUG="1", EMAIL_URL="smtp://fipe:s%40cret@smtp.example.gouv.fr:587/?tls=True&timeout=7")
    shown = (
        "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, "
        "s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.EMAIL_TIMEOUT, sep='|'); "
        "print(s.DEFAULT_FROM_EMAIL)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", shown],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    server, sender = result.stdout.strip().splitlines()[-2:]
    assert server == ("django.core.mail.backends.smtp.EmailBackend|smtp.example.gouv.fr|587|fipe|s@cret|True|False|7")
    assert sender == "FIPE — Préfecture de la région Occitanie <ne-pas-repondre@fipe.example.gouv.fr>"
