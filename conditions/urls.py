from django.urls import path

from . import views

app_name = "conditions"
urlpatterns = [
    path("conditions/", views.condition_list, name="list"),
    path("conditions/<slug:slug>/", views.condition_detail, name="detail"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.suggest, name="suggest"),
    path("symptoms/<slug:slug>/", views.symptom_detail, name="symptom-detail"),
    path("codes/", views.code_index, name="code-index"),
    path("codes/<str:system>/", views.code_browse, name="code-browse"),
    path("codes/<str:system>/<str:code>/", views.code_detail, name="code-detail"),
]
