from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("departments.urls")),
    path("", include("projects.urls")),
    path("instruction/", include("reviews.urls")),
    path("admin/", admin.site.urls),
]
