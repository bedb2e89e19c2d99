"""A caregiver's journey through the community, as a browser sees it, and the community pages'
accessibility, phone layout and no-JavaScript behaviour."""

import re
import uuid

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .conftest import log_in, mail_link

LEMS = "/conditions/lambert-eaton-myasthenic-syndrome/"
COMMUNITY = LEMS + "community/"
PASSWORD = "caring-for-dad-since-2019"


def member_count(page):
    text = page.locator(".count strong").first.inner_text()
    return int(re.fullmatch(r"([\d,]+) members", text).group(1).replace(",", ""))


def sign_up(page, name, *, mistype_password_first=False):
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.org"
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label(re.compile("I agree that DiseaseMaps keeps")).check()
    page.get_by_label("I am 16 or older").check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    page.goto(mail_link(email, r"http://\S+/accounts/confirm/\S+"))
    if mistype_password_first:
        page.get_by_label("Your password").fill("caring-for-mum")
        page.get_by_role("button", name="Confirm my account").click()
        expect(page.get_by_role("alert")).to_contain_text("Please correct")
        expect(page.locator("#id_password_error")).to_contain_text("not the password chosen")
        assert Axe().run(page).violations_count == 0
    page.get_by_label("Your password").fill(PASSWORD)  # the link alone does not confirm
    page.get_by_role("button", name="Confirm my account").click()
    expect(page.get_by_role("status")).to_contain_text(f"Welcome, {name}")
    return email


def test_caregiver_signs_up_joins_shares_a_story_and_a_moderator_publishes_it(page, browser, site_url):
    page.goto(COMMUNITY)
    before = member_count(page)  # 23 demo members: above the threshold, so the count is exact
    assert before >= 23

    # Join as a caregiver: the site asks for an account, and confirming it finishes the join.
    page.get_by_label("Caregiver").check()
    page.get_by_role("button", name="Join the community").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.get_by_role("link", name="Sign up").last.click()
    email = sign_up(page, "Robin", mistype_password_first=True)
    expect(page).to_have_url(re.compile(r"/community/#membership"))
    expect(page.get_by_role("status")).to_contain_text(
        "You joined the Lambert-Eaton myasthenic syndrome community as a caregiver."
    )
    expect(page.get_by_role("heading", name="Your membership")).to_be_visible()  # nothing to press again
    assert member_count(page) == before + 1
    page.goto(LEMS)
    expect(page.locator(".community-box .count")).to_contain_text(f"{before + 1} members")

    # Share a story, with a preview first; a phone number in it is pointed out before it is sent.
    title = f"Learning to help Dad {uuid.uuid4().hex[:6]}"
    page.goto(COMMUNITY)
    page.get_by_role("link", name="Share your story").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Your story").fill(
        "The **first year** was the hardest. Call me: 07700 900123.\n\n- rest\n- pacing"
    )
    expect(page.locator("#body-count")).to_have_text("75 of 10,000 characters")
    expect(page.get_by_label("Caregiver")).to_be_checked()  # from the membership
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview-body strong")).to_have_text("first year")
    page.get_by_label(re.compile("I agree that")).check()
    page.get_by_role("button", name="Submit for review").click()
    flags = page.get_by_role("region", name="Before you send it: could these identify someone?")
    expect(flags).to_contain_text("Phone number: 07700 900123")
    flags.get_by_role("button", name="Remove them for me").click()
    expect(page.get_by_label("Your story")).to_have_value(
        "The **first year** was the hardest. Call me: [removed].\n\n- rest\n- pacing"
    )
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status")).to_contain_text("waiting for a moderator")
    story = page.locator("article.my-story", has_text=title)
    expect(story).to_contain_text("Waiting for a moderator")

    # A moderator approves it with the button on the story's page; the author is e-mailed.
    moderator = browser.new_context(base_url=site_url).new_page()
    log_in(moderator, "moderator@diseasemaps.example", "moderator-demo-2026")
    moderator.goto("/admin/community/story/?status__exact=pending")
    moderator.get_by_role("link", name=title).click()
    expect(moderator.locator(".field-identifying_details")).to_contain_text("Nothing found")
    moderator.get_by_role("button", name="Approve and publish").click()
    expect(moderator.locator(".messagelist")).to_contain_text(f"“{title}” is approved and published")
    moderator.context.close()
    mail_link(email, re.escape(f'A moderator approved your story "{title}"'))

    # Anyone now reads it on the community page; the author sees it published.
    reader = browser.new_context(base_url=site_url).new_page()
    reader.goto(COMMUNITY)
    card = reader.locator("article.story", has_text=title)
    expect(card).to_contain_text("By Anonymous caregiver")
    expect(card.locator("strong")).to_have_text("first year")
    reader.context.close()
    page.goto("/accounts/me/")
    expect(page.locator("article.my-story", has_text=title)).to_contain_text("Published")


def test_bad_sign_up_input_is_explained_next_to_the_field_and_kept(page):
    page.goto("/accounts/signup/")
    page.get_by_label("E-mail address").fill("member01@diseasemaps.example")
    page.get_by_label("Display name").fill("Kim")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct")
    expect(page.locator("#id_email_error")).to_have_count(0)  # never says whether an address has an account
    expect(page.locator("#id_password_error")).to_contain_text("too short")
    expect(page.get_by_label("Display name")).to_have_value("Kim")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")


def _member_page(browser, site_url, **options):
    context = browser.new_context(base_url=site_url, **options)
    page = context.new_page()
    page.goto("/accounts/signup/")
    sign_up(page, "Avery")
    return page


def test_story_preview_and_join_work_without_javascript(browser, site_url):
    page = _member_page(browser, site_url, java_script_enabled=False)
    page.goto(COMMUNITY)
    page.get_by_label("Family member").check()
    page.get_by_role("button", name="Join the community").click()
    expect(page.get_by_role("status")).to_contain_text("as a family member")
    page.goto(LEMS + "stories/new/")
    page.get_by_label("Title").fill("No script needed")
    page.get_by_label("Your story").fill("Plain *text* works.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview-body em")).to_have_text("text")
    expect(page.get_by_label("Title")).to_have_value("No script needed")
    expect(page.get_by_label("Your story")).to_have_value("Plain *text* works.")
    page.context.close()


def _community_pages(page):
    """Every community and account page, visited as a logged-in member with a story."""
    page.goto(LEMS + "stories/new/")
    page.get_by_role("button", name="Submit for review").click()  # empty: the page with errors
    page.get_by_label("Title").fill("Axe check")
    page.get_by_label("Your story").fill("Checking.")
    page.get_by_label(re.compile("I agree that")).check()
    page.get_by_label("Patient").check()
    page.get_by_role("button", name="Submit for review").click()
    edit = page.get_by_role("link", name=re.compile("Edit")).first.get_attribute("href")
    return [COMMUNITY, LEMS + "stories/new/", edit, "/accounts/me/", "/accounts/me/delete/"]


PUBLIC_PAGES = ["/accounts/signup/", "/accounts/login/", "/accounts/password-reset/", COMMUNITY]


def test_axe_finds_no_violations_on_community_pages(browser, site_url):
    axe = Axe()
    page = browser.new_page(base_url=site_url)
    for url in PUBLIC_PAGES:
        page.goto(url)
        results = axe.run(page)
        assert results.violations_count == 0, f"{url}: {results.generate_report()}"
    page.goto("/accounts/signup/")
    page.get_by_role("button", name="Create my account").click()  # the form with every error showing
    results = axe.run(page)
    assert results.violations_count == 0, f"signup errors: {results.generate_report()}"
    page.close()
    page = _member_page(browser, site_url)
    for url in _community_pages(page):
        page.goto(url)
        results = axe.run(page)
        assert results.violations_count == 0, f"{url}: {results.generate_report()}"
    page.context.close()


def test_community_pages_fit_a_phone_without_horizontal_scroll(browser, site_url):
    page = _member_page(browser, site_url, viewport={"width": 375, "height": 800})
    urls = _community_pages(page) + PUBLIC_PAGES[:3]
    for url in urls:
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 375px"
    page.context.close()
