from django.urls import path

from projects.views import applications, awards, letters
from projects.views import exports as export_views
from projects.views import public as public_views

app_name = "projects"

urlpatterns = [
    # — Calls and applications (issue 3) —
    path("dossiers/", applications.application_list, name="application_list"),
    path("dossiers/nouveau/", applications.application_create, name="application_create"),
    path("dossiers/<slug:reference>/", applications.application_detail, name="application_detail"),
    path("dossiers/<slug:reference>/modifier/", applications.application_edit, name="application_edit"),
    path(
        "dossiers/<slug:reference>/statut/<slug:name>/",
        applications.application_transition,
        name="application_transition",
    ),
    path("dossiers/<slug:reference>/pieces-jointes/", applications.attachment_upload, name="attachment_upload"),
    path(
        "dossiers/<slug:reference>/pieces-jointes/<int:pk>/",
        applications.attachment_download,
        name="attachment_download",
    ),
    path("appels/", applications.call_list, name="call_list"),
    path("appels/<slug:reference>/", applications.call_detail, name="call_detail"),
    #
    #
    #
    # — Awards, funding lines, payments, approval screen, dashboard (issue 5) —
    path("validation/", awards.approval_calls, name="approval_calls"),
    path("financements/", awards.funding_calls, name="funding_calls"),
    path("appels/<slug:reference>/validation/", awards.approval, name="approval"),
    path("appels/<slug:reference>/validation/<slug:application>/rejet/", awards.reject, name="approval_reject"),
    path("appels/<slug:reference>/tableau-de-bord/", awards.funding_dashboard, name="funding_dashboard"),
    path("subventions/<slug:reference>/", awards.award_detail, name="award_detail"),
    path("subventions/<slug:reference>/versement/", awards.award_payment, name="award_payment"),
    path("subventions/<slug:reference>/engagement/<int:line>/", awards.award_commitment, name="award_commitment"),
    #
    #
    #
    # — Decision letters and batches (issue 6) —
    path("dossiers/<slug:reference>/courriers/", letters.application_letters, name="application_letters"),
    path("dossiers/<slug:reference>/courriers/<str:kind>/apercu/", letters.letter_preview, name="letter_preview"),
    path("dossiers/<slug:reference>/courriers/<str:kind>/generer/", letters.letter_generate, name="letter_generate"),
    path("dossiers/<slug:reference>/courriers/<int:pk>/pdf/", letters.letter_download, name="letter_download"),
    path("dossiers/<slug:reference>/courriers/<int:pk>/envoyee/", letters.letter_mark_sent, name="letter_mark_sent"),
    path("courriers/", letters.letters_home, name="letters"),
    path("courriers/appels/<slug:call_reference>/", letters.call_letters, name="call_letters"),
    path("courriers/lots/<int:pk>/", letters.letter_batch, name="letter_batch"),
    path("courriers/lots/<int:pk>/progression/", letters.letter_batch_progress, name="letter_batch_progress"),
    path("courriers/lots/<int:pk>/archive/", letters.letter_batch_archive, name="letter_batch_archive"),
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
