from django.urls import path

from reviews.views import committee, instruction

app_name = "reviews"

urlpatterns = [
    path("dossiers/<slug:reference>/declaration/", instruction.declare, name="declare"),
    path("dossiers/<slug:reference>/avis/<str:kind>/", instruction.review, name="review"),
    path("dossiers/<slug:reference>/avis/<str:kind>/rouvrir/", instruction.reopen, name="reopen"),
    path("comites/", committee.meeting_list, name="meeting_list"),
    path("comites/nouvelle-seance/", committee.meeting_create, name="meeting_create"),
    path("comites/<int:pk>/", committee.meeting_detail, name="meeting_detail"),
    path("comites/<int:pk>/membres/", committee.meeting_members, name="meeting_members"),
    path("comites/<int:pk>/dossiers/<slug:reference>/proposition/", committee.proposal, name="proposal"),
    path(
        "comites/<int:pk>/dossiers/<slug:reference>/proposition/supprimer/",
        committee.proposal_delete,
        name="proposal_delete",
    ),
    path("comites/<int:pk>/cloture/", committee.meeting_close, name="meeting_close"),
    path("comites/<int:pk>/proces-verbal.pdf", committee.minutes, name="minutes"),
]
