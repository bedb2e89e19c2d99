"""HTTP behaviour that load balancers, link checkers, browsers and proxies rely on."""

import pytest

from conditions.models import Symptom


@pytest.fixture
def reader_urls(make_condition, add_code):
    condition = make_condition(name="Marfan syndrome", slug="marfan-syndrome")
    add_code(condition, "icd-10-cm", "Q87.40")
    Symptom.objects.create(hpo_id="HP:0001166", name="Arachnodactyly", slug="arachnodactyly")
    return [
        "/",
        "/conditions/",
        "/conditions/?letter=M",
        "/conditions/marfan-syndrome/",
        "/conditions/marfan-syndrome/community/",
        "/search/?q=marfan",
        "/search/suggest/?q=marf",
        "/symptoms/arachnodactyly/",
        "/codes/",
        "/codes/icd-10-cm/",
        "/codes/icd-10-cm/Q87.40/",
        "/codes/icd-9-cm/759.82/",
        "/sitemap.xml",
        "/robots.txt",
        "/feeds/updates/",
        "/healthz",
        "/accounts/login/",
        "/accounts/signup/",
    ]


def test_head_answers_like_get_on_every_reader_page(client, reader_urls):
    """Load balancers and link checkers send HEAD; the page cache is empty, so each view answers."""
    for url in reader_urls:
        response = client.head(url)
        assert response.status_code == 200, url
        assert response.content == b"", url
