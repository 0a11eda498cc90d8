"""Real servers on loopback and Debian's Chromium driven by Playwright, for the browser tests.

Where no Chromium can be had the tests are skipped with a message saying how to get it;
with CI=true they must run, so a missing browser is a failure there.
"""

from __future__ import annotations

import os

import pytest
from lab_servers import (
    ARTIFACTS,
    CHROMIUM_FLAGS,
    HOW_TO_GET_IT,
    chromium_path,
    lab_server,
    make_workspace,
    slides_server,
    static_server,
    voila_server,
)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(HOW_TO_GET_IT)
        pytest.skip(HOW_TO_GET_IT)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=False)
    context.close()


@pytest.fixture(scope="session")
def workspace(tmp_path_factory):
    """A copy of the notebooks and data, so a browser session never rewrites the committed files."""
    return make_workspace(tmp_path_factory.mktemp("suite"))


@pytest.fixture(scope="session")
def lab(workspace):
    """A real JupyterLab on loopback (tests/e2e/lab_servers.py)."""
    with lab_server(workspace) as server:
        yield server


@pytest.fixture(scope="session")
def voila(workspace):
    """Voila serving one article notebook as a dashboard (code hidden, widgets live) on loopback."""
    with voila_server(workspace, "Q226827_offline_server.ipynb") as url:
        yield url


@pytest.fixture(scope="session")
def voila_mystery(workspace):
    """Voila serving the mystery-site page, as a class without code uses it."""
    with voila_server(workspace, "mystery_sites.ipynb") as url:
        yield url


@pytest.fixture(scope="session")
def slides(workspace):
    """make slides: the notebooks as live slide decks (Voila's reveal template) on loopback."""
    with slides_server(workspace) as url:
        yield url


@pytest.fixture(scope="session")
def book_url(book):
    """The student's edition of the course book that `make site` built (tests/conftest.py), served on loopback."""
    with static_server(book.site) as url:
        yield url


@pytest.fixture(scope="session")
def instructor_book_url(instructor_book):
    """The instructor's edition of the course book that `make site-instructor` built, served on loopback."""
    with static_server(instructor_book.site) as url:
        yield url


@pytest.fixture
def offline_page(page):
    """A page whose requests may only go to this machine: any other is blocked and listed in ``page.outside``;
    the test fails if one was tried."""
    page.outside = []

    def guard(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "file:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            page.outside.append(url)
            route.abort()

    page.route("**/*", guard)
    yield page
    assert page.outside == [], f"requests left the machine: {page.outside}"
