"""Caches make pages cheaper, never show one user another's data."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.template import engines
from django.template.loaders.cached import Loader as CachedLoader
from django.test import Client
from django.urls import reverse

from tests.departments.factories import caf_instructor, department
from tests.projects.factories import ApplicationFactory

ROOT = Path(__file__).resolve().parent.parent


def listed(response) -> list[str]:
    return [application.reference for application in response.context["page_obj"]]


def test_templates_are_compiled_once_per_process():
    assert [type(loader) for loader in engines["django"].engine.template_loaders] == [CachedLoader]


def test_a_signed_in_page_reads_its_session_from_the_cache(db):
    client = Client()
    client.force_login(caf_instructor("11"))
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert cache.get(f"django.contrib.sessions.cached_db{key}") is not None


def test_two_users_of_different_departments_each_receive_their_own_data(db):
    aude = ApplicationFactory(submitted=True, department=department("11"))
    gard = ApplicationFactory(submitted=True, department=department("30"))
    aude_client, gard_client = Client(), Client()
    aude_client.force_login(caf_instructor("11"))
    gard_client.force_login(caf_instructor("30"))
    url = reverse("projects:application_list")
    # Interleaved, as two workers' requests would be, each twice so that the second is served from the cache.
    for _ in range(2):
        aude_page, gard_page = aude_client.get(url), gard_client.get(url)
        assert (aude_page.status_code, gard_page.status_code) == (200, 200)
        assert listed(aude_page) == [aude.reference]
        assert listed(gard_page) == [gard.reference]
        assert aude_page.wsgi_request.user != gard_page.wsgi_request.user
    aude_client.logout()
    assert aude_client.get(url).status_code == 302
    assert listed(gard_client.get(url)) == [gard.reference]


def test_with_redis_url_the_sessions_cache_is_that_redis_server():
    """Production with several servers shares its sessions through the Redis server REDIS_URL names."""
    script = (
        "import django; django.setup();"
        "from django.core.cache import caches; cache = caches['default'];"
        "cache.set('fipe-probe', 'partagé', 5);"
        "print(type(cache).__name__, cache.get('fipe-probe'))"
    )
    environment = {
        **{key: value for key, value in os.environ.items() if key != "DEBUG"},
        "DJANGO_SETTINGS_MODULE": "fipe.settings",
        "DEBUG": "1",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["RedisCache", "partagé"], result.stderr
