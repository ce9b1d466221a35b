from __future__ import annotations

from django.urls import path

from dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("regions/<str:pcode>/", views.region, name="region"),
    path("grain/", views.grain, name="grain"),
]
