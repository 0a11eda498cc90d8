# ruff: noqa: F821  (JupyterHub runs this file with get_config defined)
"""A class hub on this machine, for trying the course as a class would: `make hub` (hub/class_hub.py).

JupyterHub on 127.0.0.1 behind configurable-http-proxy (from npm, hub/package.json), students logging
in with one shared class password, each student's JupyterLab started by the built-in
SimpleLocalProcessSpawner as the hub's own user, in a home folder of its own, with the Python that runs
the hub, so kbsim is installed where the students' servers run. hub/class_hub.py chooses the ports, the
password and the folder and passes them in KBSIM_HUB_* variables; docs/teaching.md says what to change
on a real hub (The Littlest JupyterHub, Zero to JupyterHub).

SimpleLocalProcessSpawner gives the students no isolation from one another (same user, same machine):
it is for trying the course, never for a class on a shared machine.
"""

import json
import os
import sys
from pathlib import Path

c = get_config()
state = Path(os.environ["KBSIM_HUB_DIR"])
students = [name for name in os.environ["KBSIM_HUB_STUDENTS"].split(",") if name]

# Everything on loopback: the public proxy, the hub, the proxy's API and every student's server.
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(os.environ["KBSIM_HUB_PORT"])
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ["KBSIM_HUB_INTERNAL_PORT"])
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ['KBSIM_HUB_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.command = [os.environ["KBSIM_HUB_PROXY"]]
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
c.Spawner.ip = "127.0.0.1"

# The hub's state in the class's folder, never in the working directory.
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every student's server
c.JupyterHub.cleanup_proxy = True

# One class password for every listed student (SharedPasswordAuthenticator replaces
# DummyAuthenticator.password, deprecated since JupyterHub 5.3); anyone not listed is refused.
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = os.environ["KBSIM_HUB_PASSWORD"]
c.Authenticator.allowed_users = set(students)

# Each student's JupyterLab: this Python (kbsim installed), a home folder of its own, opened in JupyterLab.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(state / "homes" / "{username}")
c.Spawner.cmd = [str(Path(sys.executable).parent / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.args = [
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    # The class test and the load benchmark drive each student's JupyterLab through window.jupyterapp.
    "--LabApp.expose_app_in_browser=True",
    *(["--allow-root"] if os.geteuid() == 0 else []),  # every server runs as the hub's user, root included
]
c.Spawner.start_timeout = 180  # a busy 2-core machine starting several students at once
c.Spawner.http_timeout = 120

# JupyterLab settings in each student's home before the first start: no news prompt, and every cell
# rendered (no windowing), so a student scrolling (and the class test) finds every output in the page.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def write_lab_settings(spawner):
    settings = Path(spawner.home_dir) / ".jupyter" / "lab" / "user-settings"
    for name, value in LAB_SETTINGS.items():
        path = settings / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))


c.Spawner.pre_spawn_hook = write_lab_settings

# The instructor's tools (the class test, the load benchmark) reach the hub's API with this token:
# start and stop students' servers and read which process each runs in.
if os.environ.get("KBSIM_HUB_API_TOKEN"):
    c.JupyterHub.services = [{"name": "instructor", "api_token": os.environ["KBSIM_HUB_API_TOKEN"]}]
    c.JupyterHub.load_roles = [
        {"name": "instructor", "scopes": ["admin:users", "admin:servers", "access:servers"], "services": ["instructor"]}
    ]
