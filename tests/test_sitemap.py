"""The sitemap index (/sitemap.xml) and its sections: what search engines are told to crawl."""

import datetime
import re
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from conditions.models import Condition
from conditions.sitemaps import ConditionSitemap


def locations(response):
    return re.findall(r"<loc>(.*?)</loc>", response.content.decode())


def test_the_index_names_each_section(client, make_condition, add_code):
    add_code(make_condition(), "icd-10-cm", "G70.80")
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert locations(response) == ["http://testserver/sitemap-conditions.xml", "http://testserver/sitemap-codes.xml"]


def test_the_index_gives_the_newest_change_of_an_indexed_page(client, make_condition):
    indexed, thin = make_condition(), make_condition(origin="catalogue")  # thin: no definition, noindex
    Condition.objects.filter(pk=indexed.pk).update(updated_at=datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC))
    Condition.objects.filter(pk=thin.pk).update(updated_at=timezone.now())
    response = client.get("/sitemap.xml")
    assert "<lastmod>2026-03-01T12:00:00+00:00</lastmod>" in response.content.decode()


def test_a_section_holds_published_indexed_pages_at_absolute_addresses(client, make_condition):
    make_condition(slug="public-one")
    make_condition(slug="draft-one", status="draft")
    make_condition(slug="thin-one", origin="catalogue")
    response = client.get("/sitemap-conditions.xml")
    assert locations(response) == ["http://testserver/conditions/public-one/"]


def test_a_section_longer_than_its_limit_continues_on_numbered_pages(client, make_condition, monkeypatch):
    monkeypatch.setattr(ConditionSitemap, "limit", 2)
    for letter in "ABCDE":
        make_condition(name=f"{letter} syndrome", slug=f"{letter.lower()}-syndrome")
    index = locations(client.get("/sitemap.xml"))
    assert index[:3] == [
        "http://testserver/sitemap-conditions.xml",
        "http://testserver/sitemap-conditions.xml?p=2",
        "http://testserver/sitemap-conditions.xml?p=3",
    ]
    assert locations(client.get("/sitemap-conditions.xml", {"p": 2})) == [
        "http://testserver/conditions/c-syndrome/",
        "http://testserver/conditions/d-syndrome/",
    ]
    assert locations(client.get("/sitemap-conditions.xml", {"p": 3})) == ["http://testserver/conditions/e-syndrome/"]
    assert client.get("/sitemap-conditions.xml", {"p": 4}).status_code == 404


def entries(response):
    """(loc, lastmod, changefreq) of each <url>, read as XML: the file must parse."""
    urlset = ElementTree.fromstring(response.content)
    assert urlset.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    fields = [f"{{http://www.sitemaps.org/schemas/sitemap/0.9}}{name}" for name in ("loc", "lastmod", "changefreq")]
    return [tuple(url.findtext(field) for field in fields) for url in urlset]


def test_a_section_is_sitemap_xml_dated_by_its_pages(client, make_condition):
    older, newer = make_condition(name="A one", slug="a-one"), make_condition(name="B one", slug="b-one")
    Condition.objects.filter(pk=older.pk).update(updated_at=datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC))
    Condition.objects.filter(pk=newer.pk).update(updated_at=datetime.datetime(2026, 4, 2, 8, 0, tzinfo=datetime.UTC))
    response = client.get("/sitemap-conditions.xml")
    assert response["Content-Type"] == "application/xml"
    assert response["X-Robots-Tag"] == "noindex, noodp, noarchive"
    assert response["Last-Modified"] == "Thu, 02 Apr 2026 08:00:00 GMT"  # lets a crawler ask If-Modified-Since
    assert entries(response) == [
        ("http://testserver/conditions/a-one/", "2026-03-01", "monthly"),
        ("http://testserver/conditions/b-one/", "2026-04-02", "monthly"),
    ]


def test_the_codes_section_lists_the_codes_published_pages_use(client, make_condition, add_code):
    add_code(make_condition(), "icd-10-cm", "G70.80")
    add_code(make_condition(status="draft"), "icd-10-cm", "G70.81")
    response = client.get("/sitemap-codes.xml")
    assert entries(response) == [("http://testserver/codes/icd-10-cm/G70.80/", None, "yearly")]
    assert "Last-Modified" not in response  # code pages carry no date


@pytest.mark.parametrize("url", ["/sitemap-nothing.xml", "/sitemap-conditions.xml?p=2", "/sitemap-conditions.xml?p=x"])
def test_an_unknown_section_or_page_is_not_found(client, make_condition, url):
    make_condition()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/sitemap.xml", "/sitemap-conditions.xml"])
def test_the_sitemap_is_public_and_retired_with_the_listings(client, make_condition, url):
    make_condition()
    response = client.get(url)
    assert "public" in response["Cache-Control"]
    assert response["Surrogate-Key"] == "site listings codes"


def test_robots_points_at_the_index(client, db):
    response = client.get("/robots.txt")
    assert "Sitemap: http://testserver/sitemap.xml\n" in response.content.decode()
