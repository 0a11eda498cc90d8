"""A lab an instructor can run (issue 20), in a real browser: the projector view, a shared setting, a hand-in."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import quote

import pytest
from test_browser import RUN_SECONDS, open_and_run_all, shut_down_kernel

import kbsim
import kbsim.teaching.exercises

PROJECTOR = {"width": 1024, "height": 768}
FIRST_CONTROL = ".jp-OutputArea-output .widget-slider"


def on_screen(page, locator) -> dict:
    """How much of an element the viewport shows: its box and the visible height."""
    return locator.evaluate(
        """el => { const r = el.getBoundingClientRect();
                   const seen = Math.min(r.bottom, window.innerHeight) - Math.max(r.top, 0);
                   return {top: r.top, bottom: r.bottom, height: r.height, seen: seen}; }"""
    )


def assert_control_and_plot_together(page, where):
    """Scroll the explorer's first slider to the top of the notebook: its plot must be on screen with it."""
    control = page.locator(FIRST_CONTROL).first
    control.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    plot = page.locator(".jp-OutputArea-output .widget-image, .widget-image").first
    c, p = on_screen(page, control), on_screen(page, plot)
    assert c["seen"] >= c["height"] - 1, f"{where}: the control is not wholly on screen ({c})"
    assert p["height"] > 200 and p["seen"] >= 0.75 * p["height"], f"{where}: its plot is off screen ({p})"
    # Nothing of the explorer's output spills past its cell (no horizontal overflow).
    spill = page.evaluate(
        """() => Array.from(document.querySelectorAll('.jp-OutputArea-output')).filter(
                   o => o.querySelector('.widget-image') && o.scrollWidth > o.clientWidth + 1).length"""
    )
    assert spill == 0, f"{where}: an explorer overflows its cell"


def test_a_control_and_its_plot_share_a_projector_screen_in_jupyterlab(page, lab):
    open_and_run_all(page, lab, "Q226827_offline_server.ipynb")
    page.set_viewport_size(PROJECTOR)
    for browser_open in (True, False):
        command = "filebrowser:activate" if browser_open else "application:toggle-left-area"
        page.evaluate(f"window.jupyterapp.commands.execute('{command}')")
        page.wait_for_timeout(500)
        assert page.locator(".jp-FileBrowser").first.is_visible() == browser_open
        assert_control_and_plot_together(
            page, f"JupyterLab at 1024x768, file browser {'open' if browser_open else 'closed'}"
        )
    page.screenshot(path="test-artifacts/projector-jupyterlab-1024.png")
    shut_down_kernel(page)


def test_a_control_and_its_plot_share_a_projector_screen_in_voila(page, voila):
    page.set_viewport_size(PROJECTOR)
    page.goto(voila, timeout=RUN_SECONDS * 1000)
    page.wait_for_selector(".widget-image", timeout=RUN_SECONDS * 1000)
    assert_control_and_plot_together(page, "Voila at 1024x768")


def test_a_shared_setting_opens_on_another_page(page, voila):
    """The instructor's Setting code, put on a Voila page's address, opens the student's explorer on it."""
    teacher = kbsim.explore("Q226827").set(retries=2, licenses=60)
    teacher.picker.value = "fix"
    teacher.set(retries=2, licenses=60)
    code = teacher.setting_code()
    assert code == "fix; retries=2; licenses=60"
    page.goto(f"{voila}?setting={quote(code, safe='')}", timeout=RUN_SECONDS * 1000)
    page.wait_for_selector(".widget-image", timeout=RUN_SECONDS * 1000)
    shown = page.locator(".widget-textarea textarea").first.input_value()
    assert shown == teacher.result.call(), "the page's explorer runs the shared setting"
    setting = page.locator(".widget-text input[type=text]").first
    assert setting.input_value() == code
    # And typed into the Setting box of a page opened without it.
    page.goto(voila, timeout=RUN_SECONDS * 1000)
    page.wait_for_selector(".widget-image", timeout=RUN_SECONDS * 1000)
    box = page.locator(".widget-text input[type=text]").first
    box.fill(code)
    box.press("Enter")
    page.wait_for_function(
        "(call) => document.querySelector('.widget-textarea textarea').value === call",
        arg=teacher.result.call(),
        timeout=60_000,
    )


@pytest.mark.parametrize("name", ["Q299261_server_not_running.ipynb"])
def test_a_students_hand_in_file_is_written_and_read_back(page, lab, name):
    open_and_run_all(page, lab, name)
    exercise = page.locator(".jp-OutputArea-output .widget-radio-box").first
    exercise.scroll_into_view_if_needed()
    exercise.locator("input[type=radio]").first.check()
    box = exercise.locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][1]")
    check = box.locator("button", has_text="Check")
    page.wait_for_function("(b) => !b.disabled", arg=check.element_handle(), timeout=30_000)
    check.click()
    box.locator(".kbsim-answer").wait_for(timeout=30_000)
    picked = exercise.locator("input[type=radio]").first.evaluate("r => r.closest('label').innerText").strip()
    name_box = page.locator(".jp-OutputArea-output input[placeholder='as the instructor will read it']").first
    name_box.scroll_into_view_if_needed()
    name_box.fill("Ada Lovelace")
    name_box.press("Tab")
    page.locator(".jp-OutputArea-output button", has_text="Save my answers").first.click()
    link = page.locator("a.kbsim-hand-in").first
    link.wait_for(timeout=30_000)
    with page.expect_download() as download:
        link.click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert download.value.suggested_filename == "handin-Ada_Lovelace.csv"
    assert [(r["student"], r["article"], r["exercise"], r["prediction"]) for r in rows] == [
        ("Ada Lovelace", "Q299261", "1", picked)
    ]
    right = kbsim.teaching.exercises.rule("Q299261", 1).answer()[0]
    assert rows[0]["correct"] == str(picked == right) and rows[0]["time"]
    shut_down_kernel(page)
