"""The dashboards in a real browser: headless Chromium (Debian's) driven by Playwright.

Logs in, opens the overview, region and grain pages, waits for the Plotly charts,
checks the console stayed clean, changes a filter, and saves screenshots.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections

from tests.conftest import skip_or_fail
from tests.factories import UserFactory

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(
    os.environ.get(
        "TEST_ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
    )
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def page(live_server):
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django must allow the ORM.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
            ],
        )
        tab = browser.new_page(viewport={"width": 1280, "height": 1000})
        tab.console_errors = []
        tab.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
        tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
        tab.on(
            "response",
            lambda r: r.status >= 400 and tab.console_errors.append(f"{r.status} {r.url}"),
        )
        yield tab
        browser.close()
        # What the test did in the database while Playwright ran used connections of
        # Playwright's context: closed here, or they would outlive the test and keep
        # the test database from being dropped at the end of the run.
        connections.close_all()


def charts_rendered(tab, count: int) -> None:
    tab.wait_for_function(
        f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {count}",
        timeout=20_000,
    )


def test_dashboards_render_in_a_browser(page, live_server):
    call_command("load_demo")
    UserFactory(username="analyst", password="a long browser passphrase", role="Analyst")
    page.goto(f"{live_server.url}/admin/login/?next=/dashboards/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", "a long browser passphrase")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboards/")
    charts_rendered(page, 5)
    assert page.locator(".js-plotly-plot").count() == 5
    headline = page.locator(".headline").inner_text()
    page.screenshot(path=ARTIFACTS / "dashboard-overview.png", full_page=True)

    page.select_option("#id_metric", "killed")
    page.fill("#id_date_from", "2023-08-01")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**metric=killed**")
    charts_rendered(page, 5)
    assert "date_from=2023-08-01" in page.url
    assert page.locator(".headline").inner_text() != headline
    assert "Killed" in page.locator("[data-figure=figure-map]").inner_text()
    page.screenshot(path=ARTIFACTS / "dashboard-overview-filtered.png", full_page=True)

    page.goto(f"{live_server.url}/dashboards/regions/UA46/")
    charts_rendered(page, 2)
    assert page.locator(".js-plotly-plot").count() == 2
    assert "Lviv" in page.locator("#incidents").inner_text()
    page.screenshot(path=ARTIFACTS / "dashboard-region-lviv.png", full_page=True)

    page.goto(f"{live_server.url}/dashboards/grain/")
    charts_rendered(page, 3)
    assert page.locator(".js-plotly-plot").count() == 3
    page.screenshot(path=ARTIFACTS / "dashboard-grain.png", full_page=True)

    page.goto(f"{live_server.url}/dashboards/")
    english_title = page.locator("h1").inner_text()
    page.click("form.languages button[value=uk]")
    page.wait_for_selector("html[lang=uk]")
    charts_rendered(page, 5)
    assert page.locator("h1").inner_text() != english_title
    assert "Львівська" in page.locator("[data-figure=figure-matrix]").inner_text()
    page.screenshot(path=ARTIFACTS / "dashboard-overview-uk.png", full_page=True)

    assert page.console_errors == [], "\n".join(page.console_errors)
