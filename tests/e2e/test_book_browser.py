"""The course book as a reader uses it, in Chromium, served on loopback with no way out: the student's edition of
`make site` and the instructor's of `make site-instructor`."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbsim.teaching.classroom import TEACHING_ORDER


def test_the_index_lists_the_course_in_teaching_order_and_next_leads_through_it(offline_page, book_url):
    page = offline_page
    page.goto(book_url)
    sidebar = page.locator("nav.bd-docs-nav a.reference.internal")
    hrefs = [href for href in sidebar.evaluate_all("links => links.map(a => a.getAttribute('href'))") if href]
    worksheets = [f"worksheets/{name.split('_')[0]}.html" for name in TEACHING_ORDER if name.startswith("Q")]
    course = [f"notebooks/{name}.html" for name in TEACHING_ORDER]
    assert hrefs == ["#", *course, *worksheets, "model.html"], "the student's edition has no instructor's guide"
    for name in TEACHING_ORDER[:3]:  # the "next" link at the foot of each page, from the index on
        page.locator("a.right-next").click()
        page.wait_for_load_state()
        assert page.url.endswith(f"notebooks/{name}.html")
    page.locator("a.left-prev").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"notebooks/{TEACHING_ORDER[1]}.html")


@pytest.mark.parametrize("article", ["Q299261", "Q212894"])
def test_search_finds_an_article_by_its_number(offline_page, book_url, article):
    page = offline_page
    page.goto(f"{book_url}search.html?q={article}")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=30_000)
    found = results.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    name = next(name for name in TEACHING_ORDER if name.startswith(article))
    assert f"notebooks/{name}.html" in [href.split("?")[0].split("#")[0] for href in found][:3]


@pytest.mark.parametrize("number", ["9406", "1061"])
def test_search_finds_a_status_message_and_an_error_number(offline_page, book_url, number):
    """Issue 20: Sphinx's search left digits-only words out; the book indexes them (docs/_ext/kbsim_book.py)."""
    page = offline_page
    page.goto(f"{book_url}search.html?q={number}")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=30_000)
    # Sphinx lists the pages one by one and says when it has finished: read the list only then.
    finished = "() => (document.querySelector('#search-results p.search-summary')?.innerText || '').trim() !== ''"
    page.wait_for_function(finished, timeout=30_000)
    found = [
        href.split("?")[0].split("#")[0] for href in results.evaluate_all("a => a.map(x => x.getAttribute('href'))")
    ]
    assert "notebooks/Q299261_server_not_running.html" in found


def test_a_solution_unfolds_on_click_in_the_instructors_book(offline_page, instructor_book_url):
    page = offline_page
    page.goto(instructor_book_url)
    guide = page.locator("nav.bd-docs-nav a.reference.internal[href='teaching.html']")
    assert guide.count() == 1, "the instructor's edition lists the guide"
    page.goto(f"{instructor_book_url}notebooks/Q226827_offline_server.html")
    solution = page.locator("details.kbsim-solution").first
    reasoning = solution.locator("p", has_text="The model's reasoning")
    solution.scroll_into_view_if_needed()
    assert not solution.evaluate("d => d.open") and not reasoning.is_visible()
    solution.locator("summary").click()
    assert solution.evaluate("d => d.open") and reasoning.is_visible()
    assert "retries" in reasoning.inner_text()


def test_the_students_book_has_no_solution_to_unfold(offline_page, book_url):
    """Issue 20: what a class is given holds no answer; an exercise says where its answer comes from."""
    page = offline_page
    page.goto(f"{book_url}notebooks/Q226827_offline_server.html")
    lines = page.locator("p.kbsim-answer-line")
    lines.first.scroll_into_view_if_needed()
    assert lines.count() == 4 and lines.first.is_visible()
    assert "Check" in lines.first.inner_text() and "make lab" in lines.first.inner_text()
    assert page.locator("details").count() == 0
    body = page.locator("body").inner_text()
    assert "reasoning" not in body and "Solution" not in body
    assert page.request.get(f"{book_url}teaching.html").status == 404, "no instructor's guide in the student's book"


def test_each_notebook_page_downloads_its_notebook(offline_page, book_url):
    page = offline_page
    name = "Q210202_license_balancing"
    page.goto(f"{book_url}notebooks/{name}.html")
    page.locator("button[aria-label='Download this page']").click()
    item = page.locator("a.btn-download-source-button")
    item.wait_for(state="visible")
    response = page.request.get(page.url.rsplit("/", 1)[0] + "/" + item.get_attribute("href"))
    assert response.ok
    stored = (Path(__file__).resolve().parents[2] / "notebooks" / f"{name}.ipynb").read_bytes()
    assert response.body() == stored, "the notebook as stored, widgets and outputs included"


def test_every_page_and_image_resolves(offline_page, book_url, book):
    page = offline_page
    failures = []
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("requestfailed", lambda r: failures.append(f"failed {r.url}") if "127.0.0.1" in r.url else None)
    pages = sorted(
        p.relative_to(book.site).as_posix() for p in Path(book.site).rglob("*.html") if "_static" not in p.parts
    )
    assert len(pages) >= len(TEACHING_ORDER) + 3
    for name in pages:
        page.goto(book_url + name)
        page.wait_for_load_state("load")
        images = page.evaluate(
            """async () => {
                const images = Array.from(document.images);
                for (const img of images) {
                    img.loading = 'eager';
                    if (!img.complete) await img.decode().catch(() => {});
                }
                return images.map(img => [img.getAttribute('src'), img.naturalWidth, img.getAttribute('alt')]);
            }"""
        )
        for src, width, alt in images:
            assert width > 0, f"{name}: image {src} did not load"
            assert alt, f"{name}: image {src} has no alt text"
    assert failures == []


def test_the_guard_catches_a_request_that_leaves_the_machine(offline_page, book_url):
    """The offline guard itself: a request to another host is seen (and blocked), so the tests above can fail."""
    offline_page.goto(book_url)
    offline_page.evaluate("() => fetch('https://example.org/x.js').catch(() => null)")
    assert offline_page.outside == ["https://example.org/x.js"]
    offline_page.outside.clear()  # seen as it should be: not a failure of this test
