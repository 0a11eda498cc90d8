"""One SMS 2.0 site: site server, metering servers, products and licences, clients: the wiring.

:class:`Site` owns the clock (a :class:`~kbsim.model.events.Scheduler` in minutes
since ``start``), the event record, the licence ledger and the random streams,
and wires the mechanisms, each in its own module and each given only the parts
it reaches: the outages and which servers are up (:mod:`kbsim.model.outages`), the
agents (:mod:`kbsim.model.clients`), balancing (:mod:`kbsim.model.balancing`), callbacks
(:mod:`kbsim.model.callbacks`), service health (:mod:`kbsim.model.service`), Remodbc.exe's leak
(:mod:`kbsim.model.remodbc`), the client configuration (:mod:`kbsim.model.configuration`) and the licence
samples (:mod:`kbsim.model.sampling`). The clients and their launches are drawn by
:mod:`kbsim.model.launches`; offline uploads are settled and the Result assembled
after the run by :mod:`kbsim.model.report`. :func:`simulate` runs one site and
returns its :class:`~kbsim.model.result.Result`.
"""

from __future__ import annotations

import numpy as np

from .balancing import Balancer
from .callbacks import Callbacks
from .clients import ClientAgents
from .configuration import ClientConfiguration
from .errors import ParameterError
from .events import STATE, Scheduler
from .launches import Clients, Launches, draw_clients, draw_launches, server_lists
from .licenses import LicenseLedger
from .outages import Outages, ServerServices
from .parameters import Params
from .phantoms import PhantomLicences
from .record import EventLog
from .remodbc import Remodbc
from .report import Ended, report
from .result import Result
from .sampling import LicenceSamples
from .service import ServiceMonitor

#: Random streams, one per mechanism, so a change in one does not shift the others.
STREAMS = ("clients", "launches", "products", "durations", "phases", "server_lists", "callbacks", "remodbc")


def streams(params: Params) -> dict[str, np.random.Generator]:
    """The run's random streams, one per name in :data:`STREAMS`, all from ``params.seed``."""
    seeds = np.random.SeedSequence(params.seed).spawn(len(STREAMS))
    return {name: np.random.default_rng(s) for name, s in zip(STREAMS, seeds)}


class Site:
    """The state of one site during a run, and the wiring between its mechanisms.

    ``launches`` replaces the drawn launches (a test's launches at known times) and ``clients`` the drawn
    clients (a test's clients, for example :func:`~kbsim.model.launches.draw_clients`'s from :func:`streams` with
    one field replaced); every other draw is the same either way, as each stream is its own.
    """

    agents: ClientAgents

    def __init__(self, params: Params, launches: Launches | None = None, clients: Clients | None = None) -> None:
        self.params = params
        self.until = params.days * 1440.0
        self.scheduler = scheduler = Scheduler()
        self.log = log = EventLog()
        rng = streams(params)

        if clients is None:
            clients = draw_clients(params, rng["clients"], rng["phases"])
        self.clients = clients
        home = clients.home
        if launches is None:
            launches = draw_launches(
                params, home, clients.install_min, rng["launches"], rng["products"], rng["durations"]
            )
        self.launches = launches
        log.set_launches(*launches.arrays())  # each launch's own row is read from the same memory

        self.service = ServiceMonitor(params, scheduler, log)
        clients_per_server = np.bincount(home, minlength=params.n_servers).astype(float)
        self.ledger = ledger = LicenseLedger(
            params.n_servers, params.n_products, params.licenses, params.reserve_pct, clients_per_server.tolist()
        )
        self.phantoms = PhantomLicences(params, scheduler, log, ledger, launches)
        services = _Services(self.service, self.phantoms)
        self.servers = Outages(params.n_servers, params.outages, scheduler, log, services)
        self.configuration = ClientConfiguration(
            params, scheduler, log, self.servers, launches, clients.poll_phase_min, clients.install_min, self.until
        )
        services.parts.append(self.configuration)
        self.remodbc = Remodbc(params, scheduler, log, rng["remodbc"], self.servers, self.service)
        self.service.on_start.append(self.remodbc.started)
        # A callback starts its program through the agents, and the agents offer callbacks to refused users:
        # the callbacks are made first and reach the agents through this one call.
        self.callbacks = Callbacks(
            params,
            rng["callbacks"],
            scheduler,
            log,
            ledger,
            start=lambda launch, client, server, product: self.agents.start_called_back(
                launch, client, server, product
            ),
        )
        self.agents = agents = ClientAgents(
            params,
            launches,
            home,
            clients.win9x,
            clients.install_min,
            server_lists(home, params.n_servers, rng["server_lists"]),
            scheduler=scheduler,
            log=log,
            ledger=ledger,
            servers=self.servers,
            callbacks=self.callbacks,
            phantoms=self.phantoms,
            started=self.configuration.client_started if self.configuration.applies else None,
            reinstall_at=clients.reinstall_at,
            until=self.until,
        )
        self.balancer = Balancer(params, scheduler, log, ledger, self.servers, agents.bound, self.callbacks)
        self.samples = LicenceSamples(scheduler, ledger, self.servers, agents.bound, self.until)

    def run(self) -> Ended:
        """Run the site to its end; what each mechanism hands over then, for :func:`~kbsim.model.report.report`."""
        scheduler, params = self.scheduler, self.params
        self.servers.start()
        reinstall_at = self.clients.reinstall_at
        if reinstall_at < self.until:  # Q213261's workaround on the skewed clients
            for c in np.flatnonzero(self.clients.reinstall_min < self.until).tolist():
                scheduler.schedule(reinstall_at, self.agents.reinstall, c, STATE)
        self.balancer.start()
        self.service.start()
        self.remodbc.start()
        self.configuration.start()
        self.samples.start()
        on_launch = self.agents.online_launches() if params.mode == "online" else self.agents.launch_offline
        on_launch = self.configuration.guard(on_launch)
        scheduler.run(self.until, self.launches.time, on_launch)
        self.servers.close(self.until)
        self.callbacks.close(self.until)
        self.samples.close()
        return Ended(
            params=params,
            until=self.until,
            log=self.log,
            clients=self.clients,
            agents=self.agents.counts(),
            balancer=self.balancer.counts(),
            callbacks=self.callbacks.counts(),
            phantoms=self.phantoms.counts(),
            samples=self.samples.record(),
            status=tuple(self.service.status),
            remodbc=self.remodbc.counts(),
            configuration=self.configuration.counts(),
            all_down=tuple(self.servers.all_down),
        )


class _Services:
    """What a server's going down and coming back reaches, in order: the service monitor's SMS_LICENSE_SERVER
    (Q299261), the phantom licences its start may free (Q226838) and the configuration downloads waiting for a
    server (Q245271)."""

    def __init__(self, *parts: ServerServices) -> None:
        self.parts = list(parts)

    def server_down(self, server: int) -> None:
        for part in self.parts:
            part.server_down(server)

    def server_up(self, server: int) -> None:
        for part in self.parts:
            part.server_up(server)


def simulate(params: Params, *, preset: str = "", variant: str = "", base: Params | None = None) -> Result:
    """Run one site for ``params.days`` days and return its Result, built with its provenance.

    ``preset`` and ``variant`` name what ``params`` were made from and ``base`` the parameters they give
    (:func:`kbsim.run` passes all three); without them the Result is a run of ``params`` alone, and its
    ``call()`` is the ``kbsim.simulate(kbsim.Params(...))`` line that gives them.
    """
    if not isinstance(params, Params):
        raise ParameterError(f"params={params!r:.80} is not allowed: expected a kbsim.Params")
    if preset and base is None:
        raise ParameterError(f"base=None is not allowed with preset={preset!r}: expected the Params the preset gives")
    return report(Site(params).run(), preset=preset, variant=variant, base=base)
