from django.urls import path

from reviews.committee import views

urlpatterns = [
    path("comites/", views.meeting_list, name="meeting_list"),
    path("comites/nouvelle-seance/", views.meeting_create, name="meeting_create"),
    path("comites/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("comites/<int:pk>/membres/", views.meeting_members, name="meeting_members"),
    path("comites/<int:pk>/dossiers/<slug:reference>/proposition/", views.proposal, name="proposal"),
    path(
        "comites/<int:pk>/dossiers/<slug:reference>/proposition/supprimer/",
        views.proposal_delete,
        name="proposal_delete",
    ),
    path("comites/<int:pk>/cloture/", views.meeting_close, name="meeting_close"),
    path("comites/<int:pk>/proces-verbal.pdf", views.minutes, name="minutes"),
]
