"""A class on a hub, as the instructor runs it with `make hub`: JupyterHub on loopback (hub/class_hub.py), two
students logging in with the class password, following the nbgitpuller link to the course, running an
article notebook in their own JupyterLab and moving its explorer; each student's work stays their own.

The course is the checkout's committed HEAD, pulled from a bare repository in a temporary folder. Every
request the browser makes must stay on 127.0.0.1. The hub, the proxy and every server and kernel the hub
started are stopped at the end, also on failure, and the test fails if the hub's own shutdown left any.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_browser import KERNEL_IDLE, explorer_state, failed_outputs, step_sliders_until_numbers_change, wait_until

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "hub"))
from class_hub import COURSE_FOLDER, HOW_TO_GET_THE_PROXY, PROXY, class_hub  # noqa: E402

STUDENTS = ["ada", "ben"]
NOTEBOOK = "Q213261_clock_skew_usage.ipynb"  # one plot: the lightest article explorer for two kernels at once
SECONDS = 180  # a cold server and kernel on a busy 2-core machine


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    if not PROXY.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(HOW_TO_GET_THE_PROXY)
        pytest.skip(HOW_TO_GET_THE_PROXY)
    with class_hub(STUDENTS, tmp_path_factory.mktemp("class")) as hub:
        yield hub
    assert hub.left_running == [], f"the hub's shutdown left processes running (killed): {hub.left_running}"
    assert hub.spawned, "the hub's processes were noted"


def guarded_page(browser):
    """A page in a browser context of its own (a student's own cookies); requests off 127.0.0.1 are blocked
    and listed in ``page.outside``."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    page.outside = []

    def guard(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            page.outside.append(url)
            route.abort()

    context.route("**/*", guard)
    return page


def log_in(page, name, password):
    """Fill the hub's login form; the response to the form's post."""
    page.fill("#username_input", name)
    page.fill("#password_input", password)
    with page.expect_response(lambda r: r.request.method == "POST" and "/hub/login" in r.url) as posted:
        page.click("#login_submit")
    return posted.value


def test_a_wrong_password_and_an_unlisted_student_are_refused(browser, hub):
    page = guarded_page(browser)
    try:
        for name, password in (("ada", hub.password + "x"), ("mallory", hub.password)):
            page.goto(f"{hub.url}/hub/login")
            assert log_in(page, name, password).status == 403, name
            # The refusal's page replaces the form a moment after its response: wait for it to be shown.
            refused = "() => !!document.body && document.body.innerText.includes('Invalid username or password')"
            page.wait_for_function(refused, timeout=SECONDS * 1000)
        assert page.outside == [], f"requests left the machine: {page.outside}"
    finally:
        page.context.close()
    # Neither got a server: ada's never started, mallory is no user of this hub.
    assert not hub.api("GET", "/users/ada")["servers"]
    assert "mallory" not in {user["name"] for user in hub.api("GET", "/users")}


def follow_the_course_link(page, hub, name):
    """Open the course link and log in with the class password; the hub then starts the student's server
    and nbgitpuller pulls the course into their home (see :func:`wait_for_the_notebook`)."""
    page.goto(hub.course_link(NOTEBOOK))
    assert "/hub/login" in page.url, "the link asks for the class password first"
    assert log_in(page, name, hub.password).status in (200, 302)


def wait_for_the_notebook(page, name):
    """Wait for the article notebook, pulled into the student's home, open in JupyterLab with its kernel idle."""
    path = f"{COURSE_FOLDER}/notebooks/{NOTEBOOK}"
    page.wait_for_url(f"**/user/{name}/lab/**", timeout=SECONDS * 1000)
    wait_until(
        page,
        """(path) => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                       return !!(w && w.context && w.context.path === path && w.sessionContext.session
                                 && w.sessionContext.kernelDisplayStatus === 'idle'); }""",
        f"{name}'s {path} has no idle kernel",
        arg=path,
    )


def start_run_all(page):
    page.evaluate("""() => { window.kbsimRun = 'running';
        window.jupyterapp.commands.execute('notebook:run-all-cells')
            .then(() => { window.kbsimRun = 'done'; }, (e) => { window.kbsimRun = 'failed: ' + e; }); }""")


def wait_for_the_run(page, name):
    wait_until(page, "() => window.kbsimRun !== 'running'", f"{name}'s notebook still running")
    assert page.evaluate("window.kbsimRun") == "done"
    wait_until(page, KERNEL_IDLE, f"{name}'s kernel still busy")
    assert failed_outputs(page) == [], name


def committed(path: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), "show", f"HEAD:{path}"], capture_output=True, text=True).stdout


def test_two_students_get_the_course_by_the_link_and_explore_on_their_own(browser, hub):
    pages = {name: guarded_page(browser) for name in STUDENTS}
    try:
        # The two students arrive together: both servers start, and both courses are pulled, at once.
        for name, page in pages.items():
            follow_the_course_link(page, hub, name)
        for name, page in pages.items():
            wait_for_the_notebook(page, name)
            assert hub.server_pid(name), f"{name} has a server of their own"
        hub.note_processes()
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
        for name in STUDENTS:
            course = hub.home(name) / COURSE_FOLDER
            pulled = subprocess.run(["git", "-C", str(course), "rev-parse", "HEAD"], capture_output=True, text=True)
            assert pulled.stdout == head, f"{name} has the checkout's committed HEAD"
        for page in pages.values():
            start_run_all(page)
        for name, page in pages.items():
            wait_for_the_run(page, name)
        ada, ben = pages["ada"], pages["ben"]
        ben_before = explorer_state(ben)
        assert explorer_state(ada)[1] == ben_before[1], "both start from the preset's numbers"

        # Ada moves her explorer: her plot and numbers change, Ben's do not.
        ada_after = step_sliders_until_numbers_change(ada, explorer_state(ada))
        assert ada_after != ben_before
        ben.wait_for_timeout(1000)
        assert explorer_state(ben) == ben_before, "Ben's explorer shows nothing of Ada's move"

        # Ada writes a note into her notebook and saves it: it lands in her home, not in Ben's.
        ada.evaluate("""() => { const panel = window.jupyterapp.shell.currentWidget;
            panel.content.model.sharedModel.insertCell(0, {cell_type: 'markdown', source: 'Ada was here'});
            return panel.context.save(); }""")
        notebook = Path(COURSE_FOLDER) / "notebooks" / NOTEBOOK
        ada_saved = json.loads((hub.home("ada") / notebook).read_text())
        assert "".join(ada_saved["cells"][0]["source"]) == "Ada was here"
        assert "Ada was here" not in (hub.home("ben") / notebook).read_text()
        assert "Ada was here" not in committed(f"notebooks/{NOTEBOOK}")
        for name, page in pages.items():
            assert failed_outputs(page) == [], name
            assert page.outside == [], f"{name}'s requests left the machine: {page.outside}"
    finally:
        for page in pages.values():
            page.context.close()
