"""The suite as a student sees it: each notebook in a real JupyterLab, run, explored, redrawn."""

from __future__ import annotations

import time

import pytest

import kbsim
from kbsim.teaching.articles import ARTICLES

#: The start page and every article's notebook, from the registry: a new article is browser-tested as it joins.
NOTEBOOKS = ["00_start_here.ipynb", *(f"{a.notebook}.ipynb" for a in ARTICLES)]
RUN_SECONDS = 180  # a cold kernel on a busy 2-core machine
KERNEL_IDLE = "() => window.jupyterapp.shell.currentWidget.sessionContext.kernelDisplayStatus === 'idle'"


def wait_until(page, condition, what, arg=None):
    """Poll a JavaScript condition, accepting any dialog (a kernel chooser, say) rather than hang on it."""
    deadline = time.monotonic() + RUN_SECONDS
    while not page.evaluate(condition, arg):
        dialog = page.locator(".jp-Dialog .jp-mod-accept")
        if dialog.count():
            dialog.first.click()
        assert time.monotonic() < deadline, f"{what} after {RUN_SECONDS} s"
        page.wait_for_timeout(250)


def open_and_run_all(page, lab, name):
    """Open one notebook in a workspace of its own (no tabs restored from another test) and run it all."""
    workspace = name.removesuffix(".ipynb").replace("_", "-").lower()
    page.goto(f"{lab['url']}/lab/workspaces/{workspace}/tree/{name}?reset&token={lab['token']}")
    wait_until(
        page,
        """(name) => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                                    return !!(w && w.context && w.context.path === name && w.sessionContext.session
                                              && w.sessionContext.kernelDisplayStatus === 'idle'); }""",
        f"{name} has no idle kernel",
        arg=name,
    )
    # Start the run without awaiting it inside evaluate (which has no timeout); a flag says when it is done.
    page.evaluate("""() => { window.kbsimRun = 'running';
        window.jupyterapp.commands.execute('notebook:run-all-cells')
            .then(() => { window.kbsimRun = 'done'; }, (e) => { window.kbsimRun = 'failed: ' + e; }); }""")
    wait_until(page, "() => window.kbsimRun !== 'running'", f"{name} still running")
    assert page.evaluate("window.kbsimRun") == "done"
    wait_until(page, KERNEL_IDLE, f"{name}'s kernel still busy")


def shut_down_kernel(page):
    """Free the kernel's memory and CPU for the next notebook on this 2-core machine."""
    page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")


def failed_outputs(page):
    """Error and stderr outputs of every code cell, read from the notebook's model."""
    return page.evaluate(
        """() => window.jupyterapp.shell.currentWidget.content.widgets
              .filter(cell => cell.model.type === 'code')
              .flatMap(cell => cell.model.outputs.toJSON())
              .filter(o => o.output_type === 'error' || (o.output_type === 'stream' && o.name === 'stderr'))
              .map(o => o.ename || o.text)"""
    )


def explorer_state(page):
    image = page.locator(".jp-OutputArea-output .widget-image").first
    summary = page.locator(".jp-OutputArea-output .widget-html table").first
    return image.get_attribute("src"), summary.inner_text()


def wait_for_change(page, before, need="image", seconds=60):
    """Wait until the explorer's first plot (``need="image"``) or both plot and summary differ from
    ``before``, then until the kernel is idle (every update sent); return the new state."""
    page.wait_for_function(
        """([before, need]) => {
            const img = document.querySelector('.jp-OutputArea-output .widget-image');
            const table = document.querySelector('.jp-OutputArea-output .widget-html table');
            if (!img || !table) return false;
            const image = img.getAttribute('src') !== before[0], numbers = table.innerText !== before[1];
            return need === 'both' ? image && numbers : image;
        }""",
        arg=[list(before), need],
        timeout=seconds * 1000,
    )
    wait_until(page, KERNEL_IDLE, "the kernel still busy after a change")
    return explorer_state(page)


def step_sliders_until_numbers_change(page, before, steps=4):
    """Step the explorer's controls up, one key press (one run) at a time, until the summary numbers move.

    Sliders take ArrowRight; typed boxes (long ranges) take ArrowUp and Enter. Every step redraws the
    plot (its stamp names the changed setting). A few steps of one control may leave the summary as it
    was (more retries once none are needed, say), so each control in turn gets a few steps, and each
    run finishes before the next key press. Disabled controls (those that cannot matter under the
    other settings) take no key presses and are left out.
    """
    sliders = page.locator(".jp-OutputArea-output .widget-slider .noUi-target:not([disabled]) .noUi-handle")
    boxes = page.locator(".jp-OutputArea-output .widget-text input[type=number]:enabled")
    controls = [(sliders.nth(i), "slider") for i in range(sliders.count())]
    controls += [(boxes.nth(i), "box") for i in range(min(boxes.count(), 4))]
    now = before
    for control, kind in controls:
        control.scroll_into_view_if_needed()
        for _ in range(steps):
            if kind == "slider" and float(control.get_attribute("aria-valuenow")) >= float(
                control.get_attribute("aria-valuemax")
            ):
                break  # at its end: a key press would change nothing
            control.focus()
            if kind == "slider":
                page.keyboard.press("ArrowRight")
            else:
                page.keyboard.press("ArrowUp")
                page.keyboard.press("Enter")
            previous, now = now, wait_for_change(page, now)
            assert now[0] != previous[0], "a control's step redraws the plot"
            if now[1] != before[1]:
                return now
    raise AssertionError("no control moved the summary numbers")


#: The preset each notebook's first explorer opens on.
PRESETS = {"00_start_here.ipynb": "site", **{f"{a.notebook}.ipynb": a.preset for a in ARTICLES}}


def first_explorer_code(page):
    """The first explorer's "As code" line, as the page shows it."""
    return page.locator(".jp-OutputArea-output .widget-textarea textarea").first.input_value()


def assert_legible_at_1024x768(page):
    """At a projector's 1024x768 with the file browser open, each explorer plot is at least 600 px wide
    on screen and its smallest text (kbsim.plots.SMALL_PT points at DPI) at least 10 px."""
    from kbsim.ui.plots import DPI, SMALL_PT

    page.set_viewport_size({"width": 1024, "height": 768})
    page.evaluate("window.jupyterapp.commands.execute('filebrowser:activate')")
    page.wait_for_timeout(500)
    assert page.locator(".jp-FileBrowser").first.is_visible(), "the file browser is open"
    images = page.locator(".jp-OutputArea-output .widget-image")
    for index in range(images.count()):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        shown, natural = image.evaluate("img => [img.getBoundingClientRect().width, img.naturalWidth]")
        assert shown >= 600, f"plot {index} is {shown:.0f} px wide at 1024x768"
        assert SMALL_PT * DPI / 72 * shown / natural >= 10, f"plot {index}'s smallest text under 10 px"
    page.set_viewport_size({"width": 1500, "height": 1000})


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_and_its_explorer_redraws(page, lab, name):
    open_and_run_all(page, lab, name)
    assert failed_outputs(page) == []
    controls = ".jp-OutputArea-output .widget-slider, .jp-OutputArea-output .widget-text input[type=number]"
    assert page.locator(controls).count() > 0, "the explorer rendered"  # sliders, or typed boxes for long ranges
    # After Run All the explorer shows its preset, whatever later cells did.
    assert first_explorer_code(page) == kbsim.run(PRESETS[name]).call()
    assert_legible_at_1024x768(page)

    before = explorer_state(page)
    after_slider = step_sliders_until_numbers_change(page, before)
    assert after_slider[0] != before[0] and after_slider[1] != before[1]

    # The first dropdown a student could change (a preset with one variant disables its picker).
    dropdown = page.locator(".jp-OutputArea-output .widget-dropdown select:enabled").first
    options = dropdown.locator("option").all_inner_texts()
    current = dropdown.evaluate("select => select.options[select.selectedIndex].text")
    dropdown.select_option(label=next(o for o in options if o != current))
    after_dropdown = wait_for_change(page, after_slider, need="both")
    assert after_dropdown[0] != after_slider[0] and after_dropdown[1] != after_slider[1]
    if name.startswith("Q"):
        answer_the_first_exercise(page)
    assert failed_outputs(page) == []
    shut_down_kernel(page)


def answer_the_first_exercise(page):
    """Check stays disabled until a prediction is chosen; then it reveals the model's answer and why."""
    box = page.locator(".jp-OutputArea-output .widget-radio-box").first
    box.scroll_into_view_if_needed()
    exercise = box.locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][1]")
    check = exercise.locator("button", has_text="Check")
    assert check.is_disabled(), "no answer before a prediction"
    assert "The model's answer" not in exercise.inner_text() and "Why:" not in exercise.inner_text()
    # the cell holds one call and no answer: its code names the exercise only
    code = exercise.locator("xpath=ancestor::div[contains(@class, 'jp-CodeCell')][1]").locator(".jp-InputArea-editor")
    assert code.inner_text().strip().startswith("kbsim.classroom.exercise(") and "why" not in code.inner_text()
    box.locator("input[type=radio]").first.check()
    page.wait_for_function("(b) => !b.disabled", arg=check.element_handle(), timeout=30_000)
    check.click()
    exercise.locator(".kbsim-answer").wait_for(timeout=30_000)
    shown = exercise.inner_text()
    assert "The model's answer" in shown and "Why:" in shown


def test_the_sweeps_notebook_runs_without_errors(page, lab):
    open_and_run_all(page, lab, "sweeps.ipynb")
    assert failed_outputs(page) == []
    assert page.locator(".jp-OutputArea-output img").count() > 0
    shut_down_kernel(page)


def test_a_voila_dashboard_hides_code_and_its_slider_redraws(page, voila):
    page.goto(voila, timeout=RUN_SECONDS * 1000)
    page.wait_for_selector(".widget-image", timeout=RUN_SECONDS * 1000)
    # Code hidden: every code cell is shown without its input, and no source reaches the page.
    code_cells = page.locator(".jp-CodeCell")
    assert code_cells.count() > 0
    assert code_cells.count() == page.locator(".jp-CodeCell.jp-mod-noInput").count()
    assert "import kbsim" not in page.content()
    page.set_viewport_size({"width": 1024, "height": 768})
    page.wait_for_timeout(500)
    widths = page.locator(".widget-image").evaluate_all("imgs => imgs.map(i => i.getBoundingClientRect().width)")
    assert widths and min(widths) >= 600, f"plots {widths} px wide in Voila at 1024x768"
    # Voila runs every cell, as Run All does: the explorer still shows its preset.
    assert page.locator(".widget-textarea textarea").first.input_value() == kbsim.run("Q226827").call()
    image = page.locator(".widget-image").first
    before = image.get_attribute("src")
    box = page.locator(".widget-text input[type=number]:enabled").first  # the first typed box (outage start)
    box.scroll_into_view_if_needed()
    box.focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(before) => document.querySelector('.widget-image').getAttribute('src') !== before", arg=before, timeout=60_000
    )


def test_a_slide_deck_advances(page, lab):
    """make slides: a notebook as a live reveal.js deck (RISE); space moves to the next slide."""
    page.goto(f"{lab['url']}/rise/Q213261_clock_skew_usage.ipynb?token={lab['token']}", timeout=RUN_SECONDS * 1000)
    page.wait_for_selector(".reveal .slides section.present", timeout=RUN_SECONDS * 1000)
    page.wait_for_timeout(1000)
    first = page.locator(".reveal .slides section.present").last.inner_text()
    assert first.startswith("Q213261"), "the deck opens on the title slide"
    for _ in range(3):
        page.keyboard.press("Space")
        page.wait_for_timeout(500)
    assert "#/slide-" in page.url and not page.url.endswith("#/slide-0-0")
    assert page.locator(".reveal .slides section.present").last.inner_text() != first


def mystery_title(page):
    return page.locator(".widget-html-content h3").first.inner_text()


def click_button(page, label):
    page.locator(f"button.jupyter-button:has-text('{label}')").first.click()


def test_the_mystery_page_opens_new_cases_and_checks_answers(page, lab):
    open_and_run_all(page, lab, "mystery_sites.ipynb")
    assert failed_outputs(page) == []
    assert mystery_title(page) == "Mystery site 1 (level 1)"
    click_button(page, "New case")
    page.wait_for_function(
        "() => document.querySelector('.widget-html-content h3').innerText.includes('site 2 ')", timeout=60_000
    )
    wait_until(page, KERNEL_IDLE, "the kernel still busy after a new case")
    page.locator(".lm-TabBar-tab:has-text('Liccli.log')").first.click()
    assert "$$<Lic" in page.locator(".widget-html-content pre").nth(2).inner_text()
    click_button(page, "Check")
    answer = page.locator(".widget-html-content li").first
    answer.wait_for(timeout=60_000)
    assert answer.inner_text()[0] in "✔✘"
    assert failed_outputs(page) == []
    shut_down_kernel(page)


def test_the_mystery_page_works_in_voila_without_code(page, voila_mystery):
    page.goto(voila_mystery, timeout=RUN_SECONDS * 1000)
    page.wait_for_selector("button.jupyter-button:has-text('New case')", timeout=RUN_SECONDS * 1000)
    assert "import kbsim" not in page.content()
    assert mystery_title(page) == "Mystery site 1 (level 1)"
    seed = page.locator(".widget-inline-hbox:has-text('case (seed)') input").first
    seed.fill("12")
    seed.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('.widget-html-content h3').innerText.includes('site 12 ')", timeout=60_000
    )
    # A student's page has no Reveal button (issue 20): the instructor's edition and mystery-key have the answers.
    assert page.locator("button.jupyter-button:has-text('Reveal')").count() == 0
    click_button(page, "Check")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.widget-html-content li')]"
        ".some(li => /is right|is not it/.test(li.innerText))",
        timeout=60_000,
    )
