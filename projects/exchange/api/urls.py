"""`/api/v1/`: spliced into projects/urls.py (namespace `projects:`, names `api_…`)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path

from projects.exchange.api import views


def api(view_class, **initkwargs):
    # The API answers 401 itself: the site's sign-in redirection does not apply.
    return login_not_required(view_class.as_view(**initkwargs))


urlpatterns = [
    path("api/v1/schema/", api(views.Schema), name="api_schema"),
    path(
        "api/v1/docs/",
        api(
            views.Docs,
            url_name="projects:api_schema",
            template_name="projects/exchange/api/swagger_ui.html",
        ),
        name="api_docs",
    ),
    path("api/v1/calls/", api(views.CallList), name="api_calls"),
    path("api/v1/calls/<slug:reference>/", api(views.CallDetail), name="api_call"),
    path("api/v1/calls/<slug:reference>/decisions/", api(views.CallDecisions), name="api_call_decisions"),
    path("api/v1/calls/<slug:reference>/results/", api(views.CallResults), name="api_call_results"),
    path("api/v1/calls/<slug:reference>/scdl/", api(views.CallScdl), name="api_call_scdl"),
    path("api/v1/applications/", api(views.ApplicationList), name="api_applications"),
    path("api/v1/applications/<slug:reference>/", api(views.ApplicationDetail), name="api_application"),
    # Anything else under the API is a JSON 404, not the site's HTML page.
    re_path(r"^api/v1/", api(views.UnknownAddress), name="api_not_found"),
]
