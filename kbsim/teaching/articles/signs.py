"""What the evidence shows that more than one article's diagnosis rule reads: which servers did not answer,
which one a client retried, and whether the client is a Windows 95/98 computer.

Each reads the logs' typed facts (:class:`~kbsim.teaching.evidence.Evidence`'s ``status_facts``,
``licsrvc_facts`` and ``client_facts``), the same facts their lines say in words, so no rule parses a server's
number or a cause out of a sentence.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from ...model.report import WINDOWS_9X
from ...model.service import MESSAGE_9406, STOPPED
from ..evidence import Evidence


def servers_in(facts: pd.DataFrame, rows: pd.Series) -> Counter[int]:
    """How many of the fact rows selected by ``rows`` name each server."""
    return Counter(int(s) for s in facts.loc[rows, "server"])


def status_9406(evidence: Evidence) -> pd.DataFrame:
    """The status messages 9406, as facts."""
    status = evidence.status_facts
    return status[status["message_id"] == MESSAGE_9406]


def silent_servers(evidence: Evidence) -> Counter[int]:
    """The status messages 9406 that say a server did not answer (it was stopped), by server."""
    status = status_9406(evidence)
    return servers_in(status, status["state"] == STOPPED)


def retried_servers(evidence: Evidence) -> Counter[int]:
    """The failed contacts and retries in the complaining computer's Liccli.log, by server."""
    client = evidence.client_facts
    return servers_in(client, client["kind"].isin(["contact_failed", "retry"]))


def win9x_client(evidence: Evidence) -> bool:
    """Whether the complaining computer runs Windows 95/98 (the usage by computer says its OS)."""
    usage = evidence.usage
    return bool((usage.loc[usage["computer"] == evidence.client, "os"] == WINDOWS_9X).any())
