from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from conditions.feeds import UpdatesFeed
from conditions.sitemaps import CodeSitemap, ConditionSitemap
from diseasemaps import views

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("conditions.urls")),
    path("", include("community.urls")),
    path("admin/", admin.site.urls),
    # Only markdownx's preview, for staff; its image upload is not routed, so /markdownx/upload/ is a 404.
    path("markdownx/markdownify/", views.markdown_preview, name="markdownx_markdownify"),
    path("sitemap.xml", sitemap, {"sitemaps": {"conditions": ConditionSitemap, "codes": CodeSitemap}}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("feeds/updates/", UpdatesFeed(), name="feed-updates"),
    path("healthz", views.healthz, name="healthz"),
]
