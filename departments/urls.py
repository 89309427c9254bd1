from django.contrib.auth import views as auth_views
from django.urls import path

from departments import views

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("session/prolonger/", views.extend_session, name="extend_session"),
]
