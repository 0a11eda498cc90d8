"""The figures of a mystery site's evidence (:class:`kbsim.teaching.evidence.Evidence`), which keeps no Result:
drawn once each, on the figure engine's style and time axis."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from ...model.errors import unknown_name
from ...model.sampling import SITE_RESERVE
from ...teaching.evidence import Evidence
from .engine import GREY, PALETTE, Figure, _axes, _frame, _legend
from .runs import _request_stairs


def evidence_requests(evidence: Evidence, ax: Axes | None = None, bin_h: float = 1.0) -> Axes:
    """A mystery site's licence requests granted and denied per ``bin_h`` hours, as the console counted them."""
    ax = _axes(ax, height=3.2)
    asked = evidence.requests.assign(kind=evidence.requests["outcome"].map({"granted": "grant", "denied": "deny"}))
    start, days = evidence.settings["start"], evidence.settings["days"]
    _request_stairs(ax, asked, start, days, bin_h)
    _legend(ax)
    s = evidence.summary
    alt = f"Licence requests per {bin_h:g} h: {s['grants']} granted and {s['denials']} denied."
    return _frame(
        ax, start, days, evidence.title, "Licence requests granted and denied", f"requests per {bin_h:g} h", alt
    )


def evidence_licences(evidence: Evidence, ax: Axes | None = None) -> Axes:
    """A mystery site's free licences on each server over time (15-minute samples); grey where a server was down."""
    ax = _axes(ax, height=3.2)
    table = evidence.licences
    for server in sorted(table["server"].unique()):
        rows = table[table["server"] == server]
        colour = GREY if server == SITE_RESERVE else PALETTE[int(server) % len(PALETTE)]
        label = "reserve pool" if server == SITE_RESERVE else f"SWM{server}"
        ax.step(
            rows["time"],
            rows["free"],
            where="post",
            color=colour,
            label=label,
            linestyle="--" if server == SITE_RESERVE else "-",
        )
        down = rows.loc[~rows["up"].astype(bool), "time"]
        if len(down):
            ax.plot(down, np.zeros(len(down)), "s", color=colour, markersize=3, label=f"SWM{server} down")
    _legend(ax)
    start, days = evidence.settings["start"], evidence.settings["days"]
    alt = (
        f"Free licences on each of {evidence.settings['n_servers']} servers and in the reserve pool, every 15 minutes."
    )
    return _frame(ax, start, days, evidence.title, "Free licences per server", "free licences", alt)


#: The figures of a mystery site's evidence, by name.
EVIDENCE_PLOTS = {"requests": evidence_requests, "licences": evidence_licences}


def show_evidence(evidence: Evidence, name: str) -> Figure:
    """Draw evidence figure ``name`` (``requests`` or ``licences``) for a notebook: one call per figure."""
    if name not in EVIDENCE_PLOTS:
        raise unknown_name("evidence figure", name, EVIDENCE_PLOTS)
    return Figure(EVIDENCE_PLOTS[name](evidence))
