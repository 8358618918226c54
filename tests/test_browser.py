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
def page(django_db_serialized_rollback, transactional_db, live_server):
    # The database fixtures come first so that the test database outlives the live server thread;
    # serialized rollback restores the GDPR articles (loaded by a migration) that each flush removes.
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


def test_building_a_comparison_from_the_list_without_javascript(page, live_server):
    call_command("load_register", verbosity=0)
    page.context.set_extra_http_headers({})
    page.route("**/*.js", lambda route: route.abort())  # nothing here may depend on a script
    page.goto(live_server.url + "/fines/?sort=-amount_eur")
    page.get_by_role("link", name="+ compare FT-1", exact=True).click()
    page.wait_for_url(re.compile(r"fines=FT-1"))
    page.get_by_role("link", name="+ compare FT-14", exact=True).click()
    page.wait_for_url(re.compile(r"fines=FT-1%2CFT-14"))
    page.get_by_role("link", name="Compare 2 fines").click()
    page.wait_for_url(re.compile(r"/compare/\?fines=FT-1,FT-14"))
    assert "is 1.6× Amazon Europe Core" in page.locator(".ratios").inner_text()
    chart = page.locator("svg.bar-chart")
    assert chart.get_attribute("role") == "img"
    widths = [float(bar.get_attribute("width")) for bar in chart.locator("rect").all()]
    assert widths[0] / widths[1] == pytest.approx(746 / 1200, rel=0.02)
    assert chart.bounding_box()["width"] > 300


def test_statistics_charts_render_beside_their_tables(page, live_server):
    call_command("load_register", verbosity=0)
    page.goto(live_server.url + "/stats/?country=IE")
    records = page.locator("#chart-records-title").locator("..")
    assert records.locator("rect").count() >= 1
    assert page.get_by_role("heading", name="Record progression").is_visible()
    assert "Decisions" in page.locator(".figures").inner_text()
    page.locator("details.filters-top summary").click()
    page.get_by_label("Notices of intent").select_option("1")
    page.get_by_role("button", name="Show statistics").click()
    page.wait_for_url(re.compile(r"notices=1"))
    assert page.get_by_text("Notices of intent are counted.").is_visible()
