"""The production settings, with the load test's floor (a bare view) added to the site's addresses."""

from fipe.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
