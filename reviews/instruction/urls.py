from django.urls import path

from reviews.instruction import views

urlpatterns = [
    path("dossiers/<slug:reference>/declaration/", views.declare, name="declare"),
    path("dossiers/<slug:reference>/avis/<str:kind>/", views.review, name="review"),
    path("dossiers/<slug:reference>/avis/<str:kind>/rouvrir/", views.reopen, name="reopen"),
]
