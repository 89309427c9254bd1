from django.urls import path

from projects.notifications import views

urlpatterns = [
    path("compte/notifications/", views.preferences, name="notification_preferences"),
    path("courriels/lettres/<str:token>/", views.letter_link, name="letter_link"),
    path("courriels-envoyes/", views.sent_mail, name="sent_mail"),
    path("courriels-envoyes/<str:key>/", views.sent_mail_detail, name="sent_mail_detail"),
]
