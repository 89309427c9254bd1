from django.urls import path

from projects import call_views
from projects.followup import views

urlpatterns = [
    path("suivi/", call_views.call_index, {"template": "projects/followup/followup_calls.html"}, name="followup_calls"),
    path("appels/<slug:reference>/suivi/", views.followup_dashboard_view, name="followup_dashboard"),
    path("appels/<slug:reference>/suivi/export.<str:fmt>", views.followup_export, name="followup_export"),
    path("dossiers/<slug:reference>/suivi/", views.followup_detail, name="followup_detail"),
    path("dossiers/<slug:reference>/suivi/compte-rendu/", views.report_file, name="report_file"),
    path("dossiers/<slug:reference>/suivi/compte-rendu/<int:year>/examen/", views.report_review, name="report_review"),
    path("dossiers/<slug:reference>/suivi/reversements/", views.recovery_create, name="recovery_create"),
    path("dossiers/<slug:reference>/suivi/convention/", views.convention_generate, name="convention_generate"),
    path(
        "dossiers/<slug:reference>/suivi/convention/exemplaire-signe/",
        views.convention_signed_copy,
        name="convention_signed_copy",
    ),
    path("dossiers/<slug:reference>/suivi/convention/<slug:step>/", views.convention_step, name="convention_step"),
    path(
        "dossiers/<slug:reference>/suivi/convention/<int:pk>/pdf/",
        views.convention_download,
        name="convention_download",
    ),
]
