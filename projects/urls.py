from django.urls import path

from projects.views import letters

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
    path("dossiers/<str:reference>/courriers/", letters.application_letters, name="application_letters"),
    path("dossiers/<str:reference>/courriers/<str:kind>/apercu/", letters.letter_preview, name="letter_preview"),
    path("dossiers/<str:reference>/courriers/<str:kind>/generer/", letters.letter_generate, name="letter_generate"),
    path("dossiers/<str:reference>/courriers/<int:pk>/pdf/", letters.letter_download, name="letter_download"),
    path("dossiers/<str:reference>/courriers/<int:pk>/envoyee/", letters.letter_mark_sent, name="letter_mark_sent"),
    path("courriers/", letters.letters_home, name="letters"),
    path("courriers/appels/<slug:call_reference>/", letters.call_letters, name="call_letters"),
    path("courriers/lots/<int:pk>/", letters.letter_batch, name="letter_batch"),
    path("courriers/lots/<int:pk>/progression/", letters.letter_batch_progress, name="letter_batch_progress"),
    path("courriers/lots/<int:pk>/archive/", letters.letter_batch_archive, name="letter_batch_archive"),
    #
    #
    #
    # — Imports, exports, open data, public results (issue 7) —
    #
    #
    #
]
