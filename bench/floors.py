"""Floors: what bare Django costs to serve the rows a page shows.

A page's floor is measured in the same process as the page. While the page is served once,
`record()` keeps a copy of every queryset it evaluates (and of every query that builds no
rows: counts, aggregates, `exists()`), and the key of every entry it reads from the shared cache
(the data's version, figures or a page kept while the data is unchanged: fipe/freshness.py),
from the moment the middleware has signed the user in until the response is rendered. The floor
is a plain view, behind the same middleware and signed in as the same user, that evaluates those
same querysets again (their `select_related` and `prefetch_related` included) and reads those same
cache entries, and renders every row and entry they return, its first columns in cells, with a
minimal template and no context processor. What the page costs above its floor is its forms,
template tags, context processors and Python logic.

The floor's views are served by this module's `urlpatterns`, which also serve every page of
the site: the bench runs with ROOT_URLCONF = "bench.floors".
"""

from dataclasses import dataclass, field

from django.core.cache import caches
from django.core.handlers.base import BaseHandler
from django.db.models.query import QuerySet
from django.db.models.sql.compiler import SQLCompiler, SQLInsertCompiler
from django.db.models.sql.constants import MULTI
from django.http import Http404, HttpResponse
from django.template import engines
from django.urls import include, path

FLOOR_TEMPLATE = engines["django"].from_string(
    '<!DOCTYPE html><html lang="fr"><head><title>Plancher</title></head><body>'
    "{% for table in tables %}<table>{% for row in table %}<tr>{% for cell in row %}<td>{{ cell }}</td>"
    "{% endfor %}</tr>{% endfor %}</table>{% endfor %}</body></html>"
)


@dataclass
class Recording:
    # ("rows", queryset), ("query", query, using, args, kwargs) or ("cache", key, version)
    querysets: list = field(default_factory=list)


_recordings: dict[str, Recording] = {}
_state = {"recording": None, "depth": 0}
_originals = {}


def _fetch_all(self):
    recording = _state["recording"]
    # Only the outermost evaluation: a prefetch runs again when its parent queryset is evaluated again.
    if recording is not None and _state["depth"] == 0 and self._result_cache is None:
        recording.querysets.append(("rows", self._chain()))
    _state["depth"] += 1
    try:
        return _originals["fetch_all"](self)
    finally:
        _state["depth"] -= 1


def _recording_execute_sql(original):
    """`execute_sql` that keeps the query it runs outside a queryset's evaluation (count, exists, insert…)."""

    def execute_sql(self, result_type=MULTI, *args, **kwargs):
        recording = _state["recording"]
        if recording is not None and _state["depth"] == 0:
            # With its arguments: a form's choices are read with iterator(), a server-side cursor on PostgreSQL.
            recording.querysets.append(("query", self.query.clone(), self.using, (result_type, *args), kwargs))
        _state["depth"] += 1
        try:
            return original(self, result_type, *args, **kwargs)
        finally:
            _state["depth"] -= 1

    return execute_sql


def _recording_cache_get(original):
    """The shared cache's `get`, keeping the key it reads outside a queryset's evaluation."""

    def get(self, key, default=None, version=None):
        recording = _state["recording"]
        # The class may also serve other aliases (the layout's process-memory cache in the tests): only the
        # shared cache holds data.
        if recording is not None and _state["depth"] == 0 and self is caches["default"]:
            recording.querysets.append(("cache", key, version))
        return original(self, key, default, version)

    return get


def _get_response(self, request):
    recording = _state.pop("next", None)
    if recording is None:
        return _originals["get_response"](self, request)
    assert request.user.is_authenticated, "pages and floors are measured signed in"
    _state["recording"] = recording
    try:
        return _originals["get_response"](self, request)  # renders a TemplateResponse too
    finally:
        _state["recording"] = None


def install() -> None:
    """Patch Django once so that a request announced by `record()` keeps what it evaluates."""
    if _originals:
        return
    _originals.update(fetch_all=QuerySet._fetch_all, get_response=BaseHandler._get_response)
    QuerySet._fetch_all = _fetch_all
    BaseHandler._get_response = _get_response
    # The insert compiler has its own; update and delete use the base one.
    for compiler in (SQLCompiler, SQLInsertCompiler):
        _originals[compiler.__name__] = compiler.__dict__["execute_sql"]
        compiler.execute_sql = _recording_execute_sql(compiler.execute_sql)
    backend = type(caches["default"])
    _originals["cache"] = (backend, backend.get)
    backend.get = _recording_cache_get(backend.get)


def uninstall() -> None:
    if not _originals:
        return
    QuerySet._fetch_all = _originals.pop("fetch_all")
    BaseHandler._get_response = _originals.pop("get_response")
    for compiler in (SQLCompiler, SQLInsertCompiler):
        compiler.execute_sql = _originals.pop(compiler.__name__)
    backend, get = _originals.pop("cache")
    backend.get = get


def record(name: str, client, url: str) -> str:
    """Serve `url` once through `client`, keeping its querysets; the floor's address."""
    install()
    recording = Recording()
    _state["next"] = recording
    response = client.get(url)
    _state.pop("next", None)
    assert response.status_code == 200, (url, response.status_code)
    _recordings[name] = recording
    return f"/plancher/{name}/"


# A row's cells: its first columns, about as many as a page's table shows; more would make the floor
# heavier than what bare Django needs to show the row.
COLUMNS = 8


def cells(row) -> list:
    if hasattr(row, "_meta"):
        return [getattr(row, column.attname) for column in row._meta.concrete_fields[:COLUMNS]]
    if isinstance(row, dict):
        return list(row.values())[:COLUMNS]
    if isinstance(row, list | tuple):
        return list(row)[:COLUMNS]
    return [row]


def entry_cells(value) -> list:
    """A cache entry's cells: its text (a kept page, figures, a version), not an object the page reads in Python."""
    values = value.values() if isinstance(value, dict) else [value]
    return [text for text in values if isinstance(text, str)][:COLUMNS]


def evaluate(item) -> list[list]:
    """The tables of one recorded queryset: its rows, then the rows prefetched with them; or a cache entry."""
    if item[0] == "cache":
        _, key, version = item
        return [[entry_cells(caches["default"].get(key, version=version))]]
    if item[0] == "query":
        _, query, using, args, kwargs = item
        result = query.clone().get_compiler(using).execute_sql(*args, **kwargs)
        if args[0] == MULTI:
            return [[cells(row) for chunk in result for row in chunk]]
        if hasattr(result, "close"):  # a cursor, after an update or a delete
            result.close()
            return [[]]
        return [[cells(result)]] if result is not None else [[]]
    rows = list(item[1]._chain())
    tables = [[cells(row) for row in rows]]
    for row in rows:
        for related in getattr(row, "_prefetched_objects_cache", {}).values():
            tables.append([cells(child) for child in related])
    return tables


def floor(request, name: str):
    recording = _recordings.get(name)
    if recording is None:
        raise Http404
    tables = [table for item in recording.querysets for table in evaluate(item)]
    return HttpResponse(FLOOR_TEMPLATE.render({"tables": tables}))


urlpatterns = [path("plancher/<slug:name>/", floor), path("", include("fipe.urls"))]
