from django.urls import path

from projects.letters import public_views, views

urlpatterns = [
    path("dossiers/<slug:reference>/courriers/", views.application_letters, name="application_letters"),
    path("dossiers/<slug:reference>/courriers/<str:kind>/apercu/", views.letter_preview, name="letter_preview"),
    path("dossiers/<slug:reference>/courriers/<str:kind>/generer/", views.letter_generate, name="letter_generate"),
    path("dossiers/<slug:reference>/courriers/<int:pk>/pdf/", views.letter_download, name="letter_download"),
    path("dossiers/<slug:reference>/courriers/<int:pk>/envoyee/", views.letter_mark_sent, name="letter_mark_sent"),
    path("courriers/", views.letters_home, name="letters"),
    path("courriers/appels/<slug:call_reference>/", views.call_letters, name="call_letters"),
    path("courriers/lots/<int:pk>/", views.letter_batch, name="letter_batch"),
    path("courriers/lots/<int:pk>/progression/", views.letter_batch_progress, name="letter_batch_progress"),
    path("courriers/lots/<int:pk>/archive/", views.letter_batch_archive, name="letter_batch_archive"),
    path("verifier/", public_views.verify_document, name="verify_document"),
]
