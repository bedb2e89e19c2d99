"""Project-wide invariants: migrations match the models; every page has one h1 and a matching title."""

import re
from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_pending_migrations():
    # https://docs.djangoproject.com/en/5.2/ref/django-admin/#cmdoption-makemigrations-check
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


@pytest.fixture
def site_pages(make_condition, add_code):
    condition = make_condition(name="Marfan syndrome", slug="marfan-syndrome")
    add_code(condition, "icd-10-cm", "Q87.40")
    return [
        "/",
        "/conditions/",
        "/conditions/?letter=M",
        "/conditions/marfan-syndrome/",
        "/conditions/marfan-syndrome/community/",
        "/search/",
        "/search/?q=marfan",
        "/codes/",
        "/codes/icd-10-cm/",
        "/codes/icd-10-cm/17/",
        "/codes/icd-10-cm/Q80-Q89/",
        "/codes/icd-10-cm/Q87.4/",
        "/codes/icd-10-cm/Q87.40/",
        "/codes/icd-10-cm/Q87.49/",  # not a code: the 404 page
        "/codes/icd-9-cm/",
        "/codes/icd-9-cm/?range=75",
        "/codes/icd-9-cm/759.82/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password-reset/",
        "/accounts/password-reset/sent/",
        "/accounts/reset/MQ/bad-token/",
        "/accounts/reset/done/",
    ]


@pytest.fixture
def member_pages(client, make_condition, make_user, make_story):
    """Pages only a logged-in member sees; `client` is logged in as the story's author."""
    condition = make_condition(name="Marfan syndrome", slug="marfan-syndrome")
    author = make_user()
    story = make_story(condition, author=author, status="approved")
    client.force_login(author)
    other = make_story(condition, status="approved")
    return [
        "/accounts/me/",
        "/accounts/me/delete/",
        "/conditions/marfan-syndrome/community/",
        "/conditions/marfan-syndrome/stories/new/",
        f"/conditions/marfan-syndrome/stories/{story.pk}/edit/",
        f"/conditions/marfan-syndrome/stories/{other.pk}/report/",
    ]


def test_every_member_page_has_one_h1_matching_its_title(client, member_pages):
    test_every_page_has_one_h1_matching_its_title(client, member_pages)


def test_every_member_form_is_csrf_protected(client, member_pages):
    test_every_form_is_csrf_protected(client, member_pages)


def test_every_page_has_one_h1_matching_its_title(client, site_pages):
    for url in site_pages:
        html = client.get(url).content.decode()
        h1s = re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)
        assert len(h1s) == 1, url
        h1_text = re.sub(r"<[^>]+>", "", h1s[0]).split()
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert title.endswith(" – DiseaseMaps"), url
        assert " ".join(h1_text) == title.removesuffix(" – DiseaseMaps"), url


def test_every_form_is_csrf_protected(client, site_pages):
    for url in site_pages:
        html = client.get(url).content.decode()
        for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", html, re.S | re.I):
            assert "csrfmiddlewaretoken" in form, url
