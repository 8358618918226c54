"""A reader's path in a real browser: home -> filter by CNPD -> Amazon's decision."""
import os
import re
import shutil

import pytest
from django.core.management import call_command

from .conftest import skip_or_fail

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser


@pytest.fixture
def page(transactional_db, live_server):
    # The database fixtures come first so that the test database outlives the live server thread.
    if not os.path.exists(CHROMIUM):
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Playwright is not installed (pip install -e '.[test]')")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls here stay synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        page = browser.new_page(locale="en-GB")
        yield page
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def test_from_home_to_amazons_decision(page, live_server):
    call_command("load_register", verbosity=0)
    page.goto(live_server.url + "/")
    assert "GDPR" in page.title()
    page.get_by_role("link", name="Fines", exact=True).click()
    page.get_by_label("Authority").select_option("cnpd")
    page.get_by_role("button", name="Show fines").click()
    page.wait_for_url(re.compile(r"authority=cnpd"))
    page.get_by_role("link", name="Amazon Europe Core S.à r.l.").first.click()
    page.wait_for_url(re.compile(r"/fines/FT-\d+/"))
    body = page.locator("main").inner_text()
    assert "€746 million" in body
    assert "€746,000,000" in body
    assert "18 March 2025" in body
    assert "Tribunal administratif" in body
