"""Browser journeys: Playwright drives Debian's Chromium against a live server with the demo data.

Run with `make e2e` (or `pytest -m e2e`); screenshots go to e2e-screenshots/.
"""

import io
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from tests.conftest import one_page_pdfs

# Playwright's sync API runs an event loop in the test thread; the Django ORM calls made by
# the fixtures in that same thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "e2e-screenshots"
DEMO_PASSWORD = "fipe-demo"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (make e2e does it)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe-core is injected by evaluation; bypassing CSP only for that injection keeps the
    # application's own policy in force for everything the pages load themselves.
    return {**browser_context_args, "locale": "fr-FR", "bypass_csp": True, "viewport": {"width": 1280, "height": 900}}


@dataclass
class DemoSnapshot:
    media: Path
    signing: Path
    database: sqlite3.Connection | None


def _raw_connection():
    connection.ensure_connection()
    return connection.connection


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for the run (its letters and minutes signed as usual, one page each: the
    journeys download them but read none; those they produce themselves are rendered in full).

    On SQLite (`make e2e`) the loaded database is kept as an in-memory copy that each test starts
    from (sqlite3's backup API copies it in milliseconds, where loading takes most of a minute).
    Elsewhere each test loads the demo again. Its files and signing keys stay in one folder.
    """
    media = tmp_path_factory.mktemp("demo-media")
    signing = media / "signing"
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield DemoSnapshot(media, signing, None)
        return
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the tests' hasher (tests/conftest.py)
    loading = override_settings(DEBUG=True, MEDIA_ROOT=media, SIGNING_KEYS_DIR=signing, PASSWORD_HASHERS=fast)
    with django_db_blocker.unblock(), loading, one_page_pdfs():
        call_command("load_demo", stdout=io.StringIO())
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        _raw_connection().backup(copy)
    # The rows stay until the first test's flush: no test outside e2e sees them.
    yield DemoSnapshot(media, signing, copy)
    copy.close()


@pytest.fixture
def demo(demo_snapshot, transactional_db, settings):
    """The demo as loaded, for one test: what the test changed is gone (the flush after each test).

    Pages are kept in the cache between writes, as production serves them (fipe/freshness.py): the live
    server runs in this process, so it shares the process-memory cache that the journeys' writes renew.
    """
    settings.DEBUG = True
    settings.FIPE_FRAGMENT_CACHE = True
    settings.MEDIA_ROOT = demo_snapshot.media
    settings.SIGNING_KEYS_DIR = demo_snapshot.signing
    for cache in caches.all():
        cache.clear()
    if demo_snapshot.database is None:
        call_command("load_demo", stdout=io.StringIO())
    else:
        demo_snapshot.database.backup(_raw_connection())


@pytest.fixture
def site(live_server, demo):
    return live_server.url


@pytest.fixture
def shot(page):
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(name: str):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


def sign_in(page, site: str, username: str) -> None:
    page.goto(f"{site}/connexion/")
    page.get_by_label("Identifiant", exact=True).fill(username)
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{site}/")


def serious_violations(page) -> list[str]:
    """axe-core violations of serious or critical impact on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
