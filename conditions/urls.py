from django.urls import include, path

from . import views

app_name = "conditions"
urlpatterns = [
    path("conditions/", views.condition_list, name="list"),
    path("conditions/<slug:slug>/", views.condition_detail, name="detail"),
    path("conditions/<slug:slug>/visit/", views.condition_visit, name="visit"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.suggest, name="suggest"),
    path("symptoms/", views.symptom_list, name="symptom-list"),
    path("symptoms/<slug:slug>/", views.symptom_detail, name="symptom-detail"),
    path("", include("conditions.codes.urls")),
]
