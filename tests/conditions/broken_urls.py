"""A URLconf whose home view raises, to see the 500 page a reader gets."""

from django.urls import path


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("", broken)]
