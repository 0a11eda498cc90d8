"""What the evidence shows that more than one article's diagnosis rule reads: which servers did not answer,
which one a client retried, and whether the client is a Windows 95/98 agent.

Each reads the lines the writers word with their own constants (:mod:`kbsim.model.service`,
:mod:`kbsim.analysis.logs`), so a reworded line changes what the rules read with it.
"""

from __future__ import annotations

import re
from collections import Counter

from ...analysis.logs import CLIENT_AGENT, CONNECT_FAILED
from ...model.service import NOT_ANSWERING
from ..evidence import Evidence

_SERVER = re.compile(r"SWM(\d+)")
# The Windows 95/98 agent as a log line names it.
_WIN9X_AGENT = f"<{CLIENT_AGENT['Windows 95/98']}>"


def servers_in(lines: list[str], words: str) -> Counter[int]:
    """How many of ``lines`` that say ``words`` name each server (SWM<n>)."""
    return Counter(int(m.group(1)) for line in lines if words in line for m in [_SERVER.search(line)] if m)


def silent_servers(evidence: Evidence) -> Counter[int]:
    """The status messages 9406 that say a server did not answer, by server."""
    return servers_in(evidence.status, NOT_ANSWERING)


def retried_servers(evidence: Evidence) -> Counter[int]:
    """The failed contacts in the complaining computer's Liccli.log, by server."""
    return servers_in(evidence.client_log, CONNECT_FAILED)


def win9x_client(evidence: Evidence) -> bool:
    """Whether the complaining computer's Liccli.log is a Windows 95/98 agent's (Liccli95)."""
    return any(_WIN9X_AGENT in line for line in evidence.client_log)
