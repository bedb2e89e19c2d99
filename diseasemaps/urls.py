from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path

from conditions.feeds import UpdatesFeed
from conditions.sitemaps import SITEMAPS
from diseasemaps import views

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("conditions.urls")),
    path("", include("community.urls")),
    path("admin/", admin.site.urls),
    # Only markdownx's preview, for staff; its image upload is not routed, so /markdownx/upload/ is a 404.
    path("markdownx/markdownify/", views.markdown_preview, name="markdownx_markdownify"),
    # An index of sections; a section longer than its Sitemap.limit continues on ?p=2, ?p=3…
    path("sitemap.xml", sitemaps.index, {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"}, name="sitemap"),
    path("sitemap-<section>.xml", sitemaps.sitemap, {"sitemaps": SITEMAPS}, name="sitemap-section"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("feeds/updates/", UpdatesFeed(), name="feed-updates"),
    path("healthz", views.healthz, name="healthz"),
]
