import io
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files and generated PDFs go to a temporary folder, never the developer's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _signing_keys_dir(settings, tmp_path_factory):
    """Signing keys (the demo authority's and the signatories') go to a temporary folder too, outside the
    test's own tmp_path, which some tests expect to hold only what they wrote."""
    settings.SIGNING_KEYS_DIR = tmp_path_factory.mktemp("signing")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Sessions live in the cache as well as the database: a test starts with neither holding any."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories create many users; the production hasher would spend most of the suite's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _login_throttling_off(settings):
    """django-axes needs the request at authenticate(), which Client.login() does not pass.

    The throttling has its own tests, which switch it back on.
    """
    settings.AXES_ENABLED = False


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://… (CI does)")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("postgresql"):
            item.fixturenames.insert(0, "postgresql_only")
        if "demo_site" in item.fixturenames:
            # The module's demo is loaded once only if its tests run together, on one worker.
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def check_deferred_constraints() -> None:
    """Check now, once, the foreign keys of the rows a module's fixture wrote in its transaction.

    Left deferred, they would be checked again at the end of each of the module's tests: Django's
    TestCase checks the deferred constraints before rolling a test back, and on PostgreSQL the
    rollback of the test's savepoint leaves them pending for the next one (3 s a test with the
    bench's 10,000 applications).
    """
    connection.check_constraints()


@contextmanager
def one_page_pdfs():
    """While it lasts, every PDF the application renders is one page with its signature box, signed
    as usual: for the tests that load the demo or issue documents without reading them."""
    from tests.projects.sample_files import signable_pdf_bytes

    pdf = signable_pdf_bytes()  # rendered for real, before the renderer is replaced

    class OnePage:
        def __init__(self, *args, **kwargs):
            pass

        def write_pdf(self, *args, **kwargs) -> bytes:
            return pdf

    with mock.patch("fipe.pdf.HTML", OnePage):
        yield


@pytest.fixture
def quick_pdfs():
    with one_page_pdfs():
        yield


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once per module and rolled back after it; its value is the folder of its files."""
    from django.core.management import call_command
    from django.db import transaction
    from django.test import override_settings

    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    media = tmp_path_factory.mktemp("media")
    # The demo's letters, minutes and conventions are stored, not read here: one-page PDFs spare minutes.
    with (
        django_db_blocker.unblock(),
        override_settings(DEBUG=True, MEDIA_ROOT=media, PASSWORD_HASHERS=fast, SIGNING_KEYS_DIR=media / "signing"),
        one_page_pdfs(),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_demo", stdout=io.StringIO())
            check_deferred_constraints()
            yield media
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(demo_site, db, settings):
    """The demo, for one test, its files and signing keys where the code looks for them; what the test
    changes in the database is rolled back."""
    settings.MEDIA_ROOT = demo_site
    settings.SIGNING_KEYS_DIR = demo_site / "signing"
    return demo_site
