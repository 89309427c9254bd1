from django.urls import path

from projects import call_views
from projects.awards import approval_views, views

urlpatterns = [
    path("validation/", approval_views.approval_calls, name="approval_calls"),
    path(
        "financements/", call_views.call_index, {"template": "projects/awards/funding_calls.html"}, name="funding_calls"
    ),
    path("appels/<slug:reference>/validation/", approval_views.approval, name="approval"),
    path("appels/<slug:reference>/validation/<slug:application>/rejet/", approval_views.reject, name="approval_reject"),
    path("appels/<slug:reference>/tableau-de-bord/", views.funding_dashboard, name="funding_dashboard"),
    path("subventions/<slug:reference>/", views.award_detail, name="award_detail"),
    path("subventions/<slug:reference>/versement/", views.award_payment, name="award_payment"),
    path("subventions/<slug:reference>/engagement/<int:line>/", views.award_commitment, name="award_commitment"),
]
