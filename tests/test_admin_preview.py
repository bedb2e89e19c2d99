"""markdownx in the admin: only its live preview is routed, only for staff, and it refuses text
too long to render and editors who preview faster than anyone types. Its image upload, which let
anyone store files on the server, is gone."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conditions.markdown import MAX_LENGTH

PREVIEW = "/markdownx/markdownify/"
UPLOAD = "/markdownx/upload/"
# The smallest valid PNG: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture
def member(make_user):
    return make_user(email="member@example.org")


@pytest.mark.parametrize("persona", ["anonymous", "member", "editor"])
def test_markdownx_upload_is_not_found_for_anyone(client, persona, member, editor):
    if persona != "anonymous":
        client.force_login({"member": member, "editor": editor}[persona])
    image = SimpleUploadedFile("x.png", PNG, content_type="image/png")
    assert client.get(UPLOAD).status_code == 404
    assert client.post(UPLOAD, {"image": image}).status_code == 404
    assert client.post(UPLOAD).status_code == 404
    assert client.post(UPLOAD, {"image": SimpleUploadedFile("x.txt", b"hello")}).status_code == 404


def test_an_editor_gets_the_live_preview(client, editor):
    client.force_login(editor)
    response = client.post(PREVIEW, {"content": "**Bold** and [a link](https://example.org)"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>Bold</strong>" in html
    assert 'rel="nofollow ugc noopener"' in html


@pytest.mark.parametrize("persona", ["anonymous", "member"])
def test_the_preview_sends_everyone_else_to_the_admin_log_in(client, persona, member):
    if persona == "member":
        client.force_login(member)
    response = client.post(PREVIEW, {"content": "**Bold**"})
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
    assert b"<strong>" not in response.content


def test_the_preview_refuses_text_too_long_to_render(client, editor):
    client.force_login(editor)
    response = client.post(PREVIEW, {"content": "*a" * (MAX_LENGTH // 2) + "!"})
    assert response.status_code == 413
    assert response.content.decode() == "This text is too long: at most 50,000 characters."


def test_the_preview_is_rate_limited(client, editor, settings):
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, "preview": {"user": (2, 600)}}
    client.force_login(editor)
    assert client.post(PREVIEW, {"content": "one"}).status_code == 200
    assert client.post(PREVIEW, {"content": "two"}).status_code == 200
    response = client.post(PREVIEW, {"content": "three"})
    assert response.status_code == 429
    assert "too many times" in response.content.decode()
