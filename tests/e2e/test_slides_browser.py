"""make slides (issue 20): an article notebook as a live slide deck at a projector's 1024x768, with no network.

The explorer's slide has working controls that redraw its plot, an exercise slide's Check button
answers, and presenting leaves the notebook file as it was.
"""

from __future__ import annotations

import hashlib

from lab_servers import ARTIFACTS
from test_browser import RUN_SECONDS

NOTEBOOK = "Q226827_offline_server.ipynb"


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def go_to_slide_with(page, selector, most=200):
    """Advance the deck as a presenter does (space: the next slide) until ``selector`` is on the slide shown."""
    element = page.locator(selector).first
    shown = "(sel) => { const el = document.querySelector(sel); const s = el && el.closest('section');"
    shown += " return !!(s && s.classList.contains('present') && !s.querySelector('section.present')); }"
    for _ in range(most):
        if page.evaluate(shown, selector):
            page.wait_for_timeout(800)  # the slide's transition
            assert element.is_visible(), f"{selector} is on the slide shown"
            return element
        page.evaluate("() => document.activeElement && document.activeElement.blur()")  # keys to the deck
        page.keyboard.press("Space")
        page.wait_for_timeout(150)
    raise AssertionError(f"no slide with {selector} in {most} steps")


def test_a_slide_deck_has_live_controls_and_checks_and_leaves_the_notebook_alone(offline_page, slides, workspace):
    page = offline_page
    notebook = workspace / "notebooks" / NOTEBOOK
    before = digest(notebook)
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{slides}voila/render/notebooks/{NOTEBOOK}", timeout=RUN_SECONDS * 1000)
    page.wait_for_selector(".reveal .slides section .widget-image", timeout=RUN_SECONDS * 1000, state="attached")
    page.wait_for_selector(".reveal.ready", timeout=60_000, state="attached")
    assert page.locator(".reveal .slides section").count() > 10, "one slide per heading and shown cell"

    # The explorer's slide: a typed control moves the plot on the same slide.
    box = go_to_slide_with(page, ".widget-text input[type=number]:enabled")
    image = box.locator("xpath=ancestor::section[1]").locator(".widget-image").first
    assert image.is_visible(), "the control and its plot on one slide"
    drawn = image.get_attribute("src")
    box.focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "([img, src]) => img.getAttribute('src') !== src", arg=[image.element_handle(), drawn], timeout=60_000
    )
    page.screenshot(path=str(ARTIFACTS / "slides-explorer-1024.png"))

    # An exercise's slide: a prediction, then Check, and the model's answer shows.
    radio = go_to_slide_with(page, ".widget-radio-box")
    exercise = radio.locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][1]")
    check = exercise.locator("button", has_text="Check")
    assert check.is_disabled()
    radio.locator("input[type=radio]").first.check()
    page.wait_for_function("(b) => !b.disabled", arg=check.element_handle(), timeout=30_000)
    check.click()
    exercise.locator(".kbsim-answer").wait_for(timeout=60_000)
    assert "The model's answer" in exercise.inner_text()
    page.screenshot(path=str(ARTIFACTS / "slides-exercise-1024.png"))

    assert digest(notebook) == before, "presenting never writes the notebook"
