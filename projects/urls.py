from django.urls import path

from projects.views import applications

app_name = "projects"

urlpatterns = [
    # — Calls and applications (issue 3) —
    path("dossiers/", applications.application_list, name="application_list"),
    path("dossiers/nouveau/", applications.application_create, name="application_create"),
    path("dossiers/<str:reference>/", applications.application_detail, name="application_detail"),
    path("dossiers/<str:reference>/modifier/", applications.application_edit, name="application_edit"),
    path(
        "dossiers/<str:reference>/statut/<slug:name>/",
        applications.application_transition,
        name="application_transition",
    ),
    path("dossiers/<str:reference>/pieces-jointes/", applications.attachment_upload, name="attachment_upload"),
    path(
        "dossiers/<str:reference>/pieces-jointes/<int:pk>/",
        applications.attachment_download,
        name="attachment_download",
    ),
    path("appels/", applications.call_list, name="call_list"),
    path("appels/<slug:reference>/", applications.call_detail, name="call_detail"),
    #
    #
    #
    # — Awards, funding lines, payments, approval screen, dashboard (issue 5) —
    #
    #
    #
    # — Decision letters and batches (issue 6) —
    #
    #
    #
    # — Imports, exports, open data, public results (issue 7) —
    #
    #
    #
]
