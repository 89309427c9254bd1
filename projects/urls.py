from django.urls import path

from projects.views import exports as export_views
from projects.views import public as public_views

app_name = "projects"

urlpatterns = [
    # — Calls and applications (issue 3) —
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
    path("exports/", export_views.exports, name="exports"),
    path("exports/<slug:reference>/decisions.<str:fmt>", export_views.export_awards, name="export_awards"),
    path("exports/<slug:reference>/publier/", export_views.publish, name="publish_results"),
    path("exports/<slug:reference>/communique/", export_views.press_release_page, name="press_release"),
    path("exports/<slug:reference>/communique.docx", export_views.press_release_download, name="press_release_docx"),
    path("appels/<slug:reference>/donnees-ouvertes.csv", public_views.call_open_data, name="call_open_data"),
    path("resultats/<slug:reference>/", public_views.public_results, name="public_results"),
    #
    #
    #
]
