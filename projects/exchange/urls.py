from django.urls import path

from projects.exchange import public_views, views

urlpatterns = [
    path("exports/", views.exports, name="exports"),
    path("exports/<slug:reference>/decisions.<str:fmt>", views.export_awards, name="export_awards"),
    path("exports/<slug:reference>/publier/", views.publish, name="publish_results"),
    path("exports/<slug:reference>/communique/", views.press_release_page, name="press_release"),
    path("exports/<slug:reference>/communique.docx", views.press_release_download, name="press_release_docx"),
    path("appels/<slug:reference>/donnees-ouvertes.csv", public_views.call_open_data, name="call_open_data"),
    path("resultats/<slug:reference>/", public_views.public_results, name="public_results"),
]
