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


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("postgresql"):
            item.fixturenames.insert(0, "postgresql_only")
