"""Small stand-ins the unit tests hand to a mechanism in place of the parts of a whole site."""

import math


class Servers:
    """Which servers are up (``kbsim.model.outages.ServersUp``), set by the test: ``servers.up[2] = False``."""

    def __init__(self, n):
        self.up = [True] * n

    @property
    def n_up(self):
        return sum(self.up)

    def next_state_change(self, now):
        return math.inf
