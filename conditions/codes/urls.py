"""The code pages. Included by conditions/urls.py without a namespace of its own, so the names stay
conditions:code-index, conditions:code-browse and conditions:code-detail. The admin's code
suggestions are mounted by ConditionAdmin.get_urls."""

from django.urls import path

from . import views

urlpatterns = [
    path("codes/", views.code_index, name="code-index"),
    path("codes/<str:system>/", views.code_browse, name="code-browse"),
    path("codes/<str:system>/<str:code>/", views.code_detail, name="code-detail"),
]
