"""Fragments of pages served from the cache for as long as the data they show is unchanged.

A dashboard's figures, or a user's scope, cost queries and rendering on every request, yet the rows
they come from change a few times an hour. They are kept in the shared cache under the version of
the data they were computed from. That version is one token in the cache, replaced after every
write to the site's data, whichever way it comes: a form, the admin, an import, a command, a task,
a bulk update or raw SQL all go through the database connection, where `watch_writes` sees them.
A replaced token makes every stored fragment unreachable at once; they then expire by themselves.

Three rules keep a stale figure from being shown:
- the token is replaced once the write is committed (straight away in autocommit), never before: a
  fragment computed meanwhile comes from the committed rows and is stored under the old token;
- inside a transaction nothing is read from or stored in the cache, since that transaction may see
  rows that are not committed, or not yet see the token another one has just replaced;
- a token missing from the cache (evicted, or the cache restarted) is replaced by a new one, never
  taken for an old one.
Fragments also expire after FRAGMENT_SECONDS, should a token fail to be replaced (cache down).
And the token is named after a digest of the code (`code_release`): the processes of a new release,
or of the old one while a restart rolls, never read what the other computed or pickled.

A fragment's key holds everything it depends on besides the data and the language (which every key
holds): a dashboard's, the call and the departments the user may see, so that two users with the
same scope share it; a user's scope or home page, the user; the main part of a page kept for its
visitor (a list, an application's tab, a dashboard), what `visit` says.
"""

import functools
import hashlib
import logging
import re
import secrets
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

VERSION_PREFIX = "fipe:data-version"
FRAGMENT_SECONDS = 10 * 60
# Tables written on every request or sign-in that no fragment shows: their writes keep the version.
UNWATCHED_TABLES = frozenset(
    {
        "django_session",
        "django_admin_log",
        "django_tasks_database_dbtaskresult",
        "axes_accessattempt",
        "axes_accessattemptexpiration",
        "axes_accessfailurelog",
        "axes_accesslog",
        "projects_journalentry",
        "projects_journalhead",
        "projects_apicall",
        "projects_apitoken",
    }
)
READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SET ", "SHOW", "PRAGMA", "EXPLAIN")
# The table a write names first: INSERT INTO "t", UPDATE "t", DELETE FROM "t".
WRITE_TARGET = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(?P<table>\w+)"?[\s(]', re.IGNORECASE)


@functools.cache
def code_release() -> str:
    """A digest of Django's version and of the site's own code and templates, read once per process."""
    digest = hashlib.sha256(django.get_version().encode())
    root, installed = Path(settings.BASE_DIR), Path(sys.prefix)  # the virtualenv may lie inside the project
    folders = [
        Path(app.path)
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(root) and not Path(app.path).is_relative_to(installed)
    ]
    for folder in sorted({*folders, root / "templates"}):
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".html") and path.is_file():
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def version_key() -> str:
    return f"{VERSION_PREFIX}:{code_release()}"


def enabled() -> bool:
    return settings.FIPE_FRAGMENT_CACHE


def written_table(sql: str) -> str | None:
    """The table a statement writes to; "" for a write whose tables are not named plainly; None for a read."""
    if sql.lstrip()[:16].upper().startswith(READS):
        return None
    target = WRITE_TARGET.match(sql)
    return target["table"] if target else ""


def renew_version() -> None:
    try:
        cache.set(version_key(), secrets.token_hex(8), None)
    except Exception:  # a cache that is down must not undo a committed write; fragments expire
        logger.exception("The data version could not be renewed: cached fragments expire in %s s", FRAGMENT_SECONDS)


def watch_writes(execute, sql, params, many, context):
    """Execute wrapper: after a write to a watched table, renew the data version once it is committed."""
    result = execute(sql, params, many, context)
    table = written_table(sql) if isinstance(sql, str) else ""
    if table is None or table in UNWATCHED_TABLES:
        return result
    connection = context["connection"]
    if not connection.in_atomic_block:
        renew_version()  # autocommit: the write is already committed
    elif connection.run_on_commit is not getattr(connection, "fipe_renewal_hooks", None):
        # Once per transaction, however many rows it writes (an import writes thousands). Django starts a
        # new list of hooks when a transaction ends or a savepoint is rolled back, so a list other than the
        # one the renewal was added to may have lost it.
        connection.on_commit(renew_version)
        connection.fipe_renewal_hooks = connection.run_on_commit
    return result


def watch(connection, **kwargs) -> None:
    """`connection_created` receiver: every connection, in every thread, watches its writes."""
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)


def data_version() -> str:
    key = version_key()
    version = cache.get(key)
    if version is None:
        cache.add(key, secrets.token_hex(8), None)
        version = cache.get(key)
    return version


def usable(using: str = "default") -> bool:
    """Whether this moment may read and store fragments: enabled, and outside any transaction."""
    return enabled() and not connections[using].in_atomic_block


def fragment_key(name: str, parts: Iterable) -> str:
    """The cache key of a fragment: its name, its parts and the active language, which every text depends on."""
    digest = hashlib.sha256(repr((name, get_language(), *parts)).encode()).hexdigest()
    return f"fipe:fragment:{name}:{digest}"


def visit(request) -> tuple:
    """What a page kept for its visitor depends on besides the data and the language.

    The user; the CSRF secret that the tokens of its forms are masked from, renewed at each sign-in, so
    that a page kept from an earlier session never posts a token this one refuses; the address asked,
    query string included; and the day, since a page says what is late.
    """
    if "CSRF_COOKIE" not in request.META:
        get_token(request)  # a new secret, before the page is computed: the key names the one its forms use
    return request.user.pk, request.META["CSRF_COOKIE"], request.get_full_path(), timezone.localdate().isoformat()


def cached(name: str, parts: Iterable, compute: Callable[[], object]):
    """`compute()`, or what it returned for the same `parts` while the data has not changed since."""
    if not usable():
        return compute()
    try:
        key = fragment_key(name, (data_version(), *parts))
        value = cache.get(key)
    except Exception:  # without the cache, the page is computed as if it had none
        logger.exception("Cache unavailable: %s computed without it", name)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, FRAGMENT_SECONDS)
        except Exception:
            logger.exception("Cache unavailable: %s not stored", name)
    return value
