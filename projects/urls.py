"""The programme's pages: calls and applications here, each capability's pages from its own urls.

One namespace (`projects:`) for all of them: a capability moving between sub-packages keeps its URL names.
"""

from django.urls import path

from projects import call_views, editing, views
from projects.applicants import urls as applicants_urls
from projects.awards import urls as awards_urls
from projects.exchange import urls as exchange_urls
from projects.exchange.api import urls as api_urls
from projects.followup import urls as followup_urls
from projects.letters import urls as letters_urls
from projects.notifications import urls as notifications_urls

app_name = "projects"

urlpatterns = [
    path("dossiers/", views.application_list, name="application_list"),
    path("dossiers/nouveau/", editing.application_create, name="application_create"),
    path("dossiers/<slug:reference>/", views.application_detail, name="application_detail"),
    path("dossiers/<slug:reference>/modifier/", editing.application_edit, name="application_edit"),
    path("dossiers/<slug:reference>/statut/<slug:name>/", views.application_transition, name="application_transition"),
    path("dossiers/<slug:reference>/pieces-jointes/", views.attachment_upload, name="attachment_upload"),
    path(
        "dossiers/<slug:reference>/pieces-jointes/<int:pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("appels/", call_views.call_list, name="call_list"),
    path("appels/<slug:reference>/", call_views.call_detail, name="call_detail"),
    *awards_urls.urlpatterns,
    *letters_urls.urlpatterns,
    *exchange_urls.urlpatterns,
    *notifications_urls.urlpatterns,
    *applicants_urls.urlpatterns,
    *api_urls.urlpatterns,
    *followup_urls.urlpatterns,
]
