"""The one declaration of the site model's parameters.

Every parameter is a field of :class:`Params` whose metadata says its default,
allowed range or choices, unit, one line of help and the article it comes from.
Validation, preset files, the command line, widgets and the docs all read this
declaration through :data:`PARAMETERS`; nothing repeats a range or a default.

Defaults are SMS 2.0's own where the product documentation gives one; where
it does not, the help says ``[assumed]``. ``docs/model.md`` says, mechanism by
mechanism, which article or documented default each parameter rests on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .errors import ParameterError, unknown_name
from .kinds import (  # noqa: F401  (the dates and plain() are read from here too)
    EARLIEST_PACK,
    EARLIEST_START,
    LATEST_PACK,
    LATEST_START,
    Kind,
    kind_named,
    plain,
)

#: Where a user reads every parameter, named by the unknown-parameter error.
PARAMETER_LISTING = "'python -m kbsim params'"


@dataclass(frozen=True)
class Parameter:
    """One declared parameter: what a widget, a preset file or ``--set`` may give it.

    ``kind`` is declared by its name ("int", "float", "bool", "choice", "datetime", "pack_time", "outages", "product",
    "servers") or as a :class:`~kbsim.model.kinds.Kind`; it is kept as the Kind, which does everything that differs
    from kind to kind (:mod:`kbsim.model.kinds`).
    """

    name: str
    kind: Kind
    default: Any
    help: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    article: str = ""
    #: A few words for people, with the unit once ("Retry delay (min)"): widget labels and tables.
    label: str = ""
    #: The settings of other parameters under which this one can matter, as (name, value) pairs;
    #: an explorer disables its control otherwise (retries under immediate failover, say).
    when: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", kind_named(self.kind))

    def on_step(self, value: float) -> float:
        """A number rounded to this parameter's step (multiples of ``step``) and kept in range:
        what a slider's float arithmetic or a typed box gives becomes 6.0, not 5.999999999999999.
        A value of any other kind is returned as it is."""
        return self.kind.on_step(self, value)

    def matters(self, values: Mapping[str, Any]) -> bool:
        """Whether this parameter can change a run whose other settings are ``values`` (see ``when``)."""
        return all(values.get(name, value) == value for name, value in self.when)

    def allowed(self) -> str:
        """What values are allowed, in words, for error messages and help."""
        return self.kind.allowed(self)

    def fail(self, value: Any, why: str = "") -> ParameterError:
        reason = f" ({why})" if why else ""
        if isinstance(value, date):  # as it was written, not datetime.datetime(...)
            value = value.isoformat()
        return ParameterError(f"{self.name}={value!r} is not allowed{reason}: expected {self.allowed()}")

    def check(self, value: Any) -> Any:
        """The value normalised to this parameter's type, or a ParameterError naming it.

        numpy numbers, booleans and datetimes are taken as the Python values they hold.
        """
        return self.kind.check(self, plain(value))

    def parse_text(self, text: str) -> Any:
        """A value written on a command line (``--set name=text``), checked."""
        return self.kind.parse(self, text.strip())

    def to_plain(self, value: Any) -> Any:
        """The value as plain JSON/TOML data (tuples to lists, datetimes to text)."""
        return self.kind.plain(value)


def _p(kind: str, default: Any, help: str, **spec: Any) -> Any:
    """A dataclass field carrying its declaration (name filled in from the field)."""
    return field(default=default, metadata={"parameter": dict(kind=kind, default=default, help=help, **spec)})


#: The largest seed a run, a sweep or a mystery case takes (numpy's seeds are unsigned 32-bit words here);
#: the smallest is 0. Read it from the declaration (``PARAMETERS["seed"]``), as the widgets and the tests do.
SEED_HIGH = 2**32 - 1


@dataclass(frozen=True, repr=False)
class Params:
    """One site's parameters, validated and frozen. Derive variants with ``replace()``.

    Each field's help names its article; ``docs/model.md`` says what each mechanism rests on
    and why the fields marked ``[assumed]`` are choices of this model.
    """

    # The run
    seed: int = _p("int", 1, "seed of every random number in the run", low=0, high=SEED_HIGH, label="Random seed")
    start: datetime = _p(
        "datetime",
        datetime(2001, 6, 1),
        "site-server date and time the run starts (2001-06-01 is a Friday)",
        label="Run starts",
    )
    days: int = _p("int", 7, "length of the run", unit="days", low=1, high=60, step=1, label="Run length (days)")

    # The site
    n_servers: int = _p(
        "int", 2, "metering servers in the site", unit="servers", low=1, high=8, step=1, label="Metering servers"
    )
    n_clients: int = _p(
        "int", 200, "metered client computers", unit="clients", low=1, high=20000, step=1, label="Client computers"
    )
    n_products: int = _p(
        "int", 1, "metered products", unit="products", low=1, high=20, step=1, label="Metered products"
    )
    licenses: int = _p(
        "int",
        20,
        "concurrent licences of each product, site-wide",
        unit="licences",
        low=0,
        high=100000,
        step=1,
        article="Q228899",
        label="Licences per product",
    )
    launches_per_day: float = _p(
        "float",
        4.0,
        "program launches per client per day, Poisson",
        unit="launches/day",
        low=0.0,
        high=50.0,
        step=0.5,
        label="Launches per client a day",
    )
    mean_session_min: float = _p(
        "float",
        60.0,
        "mean run time of a program, exponential",
        unit="min",
        low=1.0,
        high=600.0,
        step=1.0,
        label="Mean program run (min)",
    )
    demand_skew: float = _p(
        "float",
        0.5,
        "share of clients whose home is server 0; the rest are spread evenly over the others",
        low=0.0,
        high=1.0,
        step=0.05,
        label="Share of clients on server 0",
    )
    office_hours: bool = _p(
        "bool", False, "launch only in office hours, 08:00-18:00 client local time [assumed]", label="Office hours only"
    )
    timezone_shift_h: float = _p(
        "float",
        0.0,
        "office-hour shift between the offices of consecutive servers [assumed]",
        unit="h",
        low=0.0,
        high=12.0,
        step=1.0,
        article="Q210202",
        label="Office time-zone shift (h)",
    )

    # The client agent (site-wide settings, Software Metering Client Agent)
    mode: str = _p(
        "choice",
        "offline",
        "online: ask a server at every launch; offline: log locally and upload at each poll (product default)",
        choices=("online", "offline"),
        article="Q228899",
        label="Client mode",
    )
    retries: int = _p(
        "int",
        1,
        "Number of retries before going it alone",
        unit="retries",
        low=1,
        high=100,
        step=1,
        article="Q226827",
        label="Retries before moving on",
        when=(("failover", "after_retries"),),
    )
    retry_delay_min: float = _p(
        "float",
        15.0,
        "Delay before retrying (Q235153 claims 240 min; the Help's 15 min is used)",
        unit="min",
        low=1.0,
        high=60.0,
        step=1.0,
        article="Q226827",
        label="Retry delay (min)",
        when=(("failover", "after_retries"),),
    )
    config_poll_min: float = _p(
        "float",
        240.0,
        "Configuration polling interval: at each poll the offline log is uploaded and the client configuration "
        "downloaded (Q263023)",
        unit="min",
        low=1.0,
        high=10080.0,
        step=1.0,
        article="Q213261",
        label="Poll and upload interval (min)",
    )
    forbid_at_h: float = _p(
        "float",
        1440.0,
        "when an administrator forbids a product (removes its access times), hours from the run's start; each client "
        "learns it at its next configuration download from a server that answers, and from then stops the program "
        "itself, online or offline (at or after the run's end: not in this run)",
        unit="h",
        low=0.0,
        high=1440.0,
        step=1.0,
        article="Q244906",
        label="Product forbidden at (h)",
    )
    forbidden_product: int = _p(
        "product",
        0,
        "the product forbidden at forbid_at_h (0 to n_products - 1)",
        unit="product",
        low=0,
        high=19,
        step=1,
        article="Q244906",
        label="Forbidden product",
    )
    failover: str = _p(
        "choice",
        "immediate",
        "immediate: move to another server at the first failure (SMS 2.0 as shipped); after_retries: as configured",
        choices=("immediate", "after_retries"),
        article="Q226827",
        label="Failover",
    )
    no_server_retry_s: float = _p(
        "float",
        60.0,
        "how often a client that follows the immediate failover bug retries when no server answers [assumed, "
        "Q287626's log]",
        unit="s",
        low=5.0,
        high=3600.0,
        step=5.0,
        article="Q226827",
        label="Retry with no server (s)",
        when=(("failover", "immediate"),),
    )
    outages: tuple = _p(
        "outages",
        (),
        "spans when a metering server is offline: (server, start_h, minutes); one server's may overlap or meet "
        "(it is down while any lasts) and may outlast the run",
        unit="(server, h, min)",
        article="Q226827",
        label="Outage",
    )
    phantom_fault_fixed_in: str = _p(
        "choice",
        "none",
        "the service pack from which a client that fails over while a program runs releases the first server's "
        "licence [assumed: none; Q226838 lists SMS 2.0 and names no fix, and no fix list names it; SP2, SP3 or SP4 "
        "tries what such a fix would change]",
        choices=("none", "SP2", "SP3", "SP4"),
        article="Q226838",
        label="Phantom fixed in [assumed]",
    )
    phantom_freed: str = _p(
        "choice",
        "never",
        "when the server a client left frees the licence its running program held there (a phantom): never within "
        "the run, or when that server's service starts again after an outage [assumed: Q226838 says only that it "
        "stays in use long after contact is back]",
        choices=("never", "service_restart"),
        article="Q226838",
        label="Phantom freed [assumed]",
    )

    # Licence balancing (License Metering on the site server)
    balancing_interval_h: float = _p(
        "float",
        4.0,
        "licence balancing schedule: each cycle plans for the span until the next; licences an outage left on the "
        "wrong server stay there until the first cycle after its return, so for one outage where it falls against "
        "the cycles matters more than the interval (Q226827)",
        unit="h",
        low=0.25,
        high=168.0,
        step=0.25,
        article="Q210202",
        label="Balancing interval (h)",
    )
    chance_peaks: bool = _p(
        "bool",
        True,
        "a scheduled cycle plans for chance peaks: the licences wanted at any moment vary at random about the "
        "trend (Poisson), and each licence goes where it is expected to be in use longest over the span [assumed]; "
        "off: the trend is taken as exact and licences follow its busiest hours",
        article="Q210202",
        label="Plan for chance peaks",
    )
    wanted_use_pct: float = _p(
        "float",
        1.0,
        "planning for chance peaks, a server wants a licence it is expected to use for at least this share of the "
        "span until the next cycle; licences no server wants go to the reserve pool, up to its share [assumed]",
        unit="%",
        low=0.1,
        high=50.0,
        step=0.1,
        article="Q215067",
        label="Least use of a wanted licence (%)",
        when=(("chance_peaks", True),),
    )
    metering_cycle_min: float = _p(
        "float",
        15.0,
        "License Metering's cycle on the site server: the trend is read, on-demand moves start and callbacks are "
        "answered at it",
        unit="min",
        low=5.0,
        high=60.0,
        step=5.0,
        article="Q226823",
        label="License Metering cycle (min)",
    )
    instant_balancing: bool = _p(
        "bool",
        True,
        "balance on demand: at its next cycle License Metering moves licences to a server that refused a request "
        "[assumed on]",
        article="Q210202",
        label="On-demand balancing",
    )
    instant_balancing_min: float = _p(
        "float",
        5.0,
        "time License Metering spends on one on-demand move (reading the servers over ODBC, moving the licences); "
        "it does one job at a time, so queued moves, scheduled cycles and callback answers wait behind it "
        "[assumed]",
        unit="min",
        low=0.0,
        high=30.0,
        step=0.5,
        article="Q210202",
        label="Time per on-demand move (min)",
        when=(("instant_balancing", True),),
    )
    callback_share: float = _p(
        "float",
        0.5,
        "share of refused users who ask to be called back when a licence is free [assumed]",
        low=0.0,
        high=1.0,
        step=0.05,
        article="Q210202",
        label="Share asking for a callback",
    )
    callback_priority: str = _p(
        "choice",
        "callbacks_first",
        "who gets the licences an on-demand move (or a scheduled cycle) brings to a server: the callbacks waiting "
        "there, at once (the move was made for them), or any launch, the callbacks then answered at License "
        "Metering's next cycle from what is still free [assumed]",
        choices=("callbacks_first", "launches_first"),
        article="Q210202",
        label="Licences brought go to",
    )
    callback_duration_min: float = _p(
        "float",
        60.0,
        "how long a callback request waits before it lapses (callback request duration) [assumed]",
        unit="min",
        low=5.0,
        high=1440.0,
        step=5.0,
        article="Q226823",
        label="Callback wait (min)",
    )
    unreachable_servers: tuple = _p(
        "servers",
        (),
        "servers License Metering cannot reach through ODBC (their clients still can)",
        article="Q210202",
        label="Servers unreachable over ODBC",
    )
    min_licenses: int = _p(
        "int",
        1,
        "minimum free licences each server is given at a balancing cycle",
        unit="licences",
        low=0,
        high=1000,
        step=1,
        article="Q210202",
        label="Min. free licences per server",
    )
    buffer: int = _p(
        "int",
        2,
        "licences a server draws from the reserve pool at one instant balancing",
        unit="licences",
        low=1,
        high=1000,
        step=1,
        article="Q210202",
        label="On-demand draw (licences)",
    )
    reserve_pct: float = _p(
        "float",
        10.0,
        "minimum share of licences kept free at the site server (reserve pool)",
        unit="%",
        low=1.0,
        high=100.0,
        step=1.0,
        article="Q215067",
        label="Reserve pool (%)",
    )

    # Installing the client software
    install_h: float = _p(
        "float",
        -168.0,
        "when the first client's metering software was installed, hours from the run's start (negative: before "
        "it); a client runs no metered program before its install",
        unit="h",
        low=-336.0,
        high=1440.0,
        step=1.0,
        article="Q212894",
        label="First install (h from start)",
    )
    install_spread_h: float = _p(
        "float",
        24.0,
        "clients install at random moments spread evenly over this many hours from install_h [assumed]",
        unit="h",
        low=0.0,
        high=168.0,
        step=1.0,
        article="Q212894",
        label="Install spread (h)",
    )

    # Windows 95/98 clients and CCIM
    win9x_fraction: float = _p(
        "float",
        0.0,
        "share of clients running Windows 95/98 (bound to one server until their first CCIM cycle)",
        low=0.0,
        high=1.0,
        step=0.05,
        article="Q212894",
        label="Share of Windows 95/98 clients",
    )
    ccim_interval_h: float = _p(
        "float",
        23.0,
        "client configuration (CCIM) cycle, counted from install or the last restart",
        unit="h",
        low=1.0,
        high=168.0,
        step=1.0,
        article="Q212894",
        label="CCIM cycle (h)",
    )
    win9x_retry_s: float = _p(
        "float",
        60.0,
        "how often a Windows 95/98 client still bound to one server retries it [assumed, Q287626's log; the "
        "article says only 'repeatedly']",
        unit="s",
        low=5.0,
        high=3600.0,
        step=5.0,
        article="Q212894",
        label="Windows 95/98 retry (s)",
    )
    users_restart: bool = _p(
        "bool",
        False,
        "users of stranded Windows 95/98 clients restart their computers (the article's workaround), "
        "restart_after_h after the failure",
        article="Q212894",
        label="Users restart stranded clients",
    )
    restart_after_h: float = _p(
        "float",
        1.0,
        "how long a stranded Windows 95/98 user waits before restarting, when users_restart is on",
        unit="h",
        low=0.0,
        high=72.0,
        step=0.5,
        article="Q212894",
        label="Restart after (h)",
        when=(("users_restart", True),),
    )

    # Client clocks
    clock_offset_min: float = _p(
        "float",
        0.0,
        "how far the skewed clients' clocks run behind the site server",
        unit="min",
        low=0.0,
        high=10080.0,
        step=15.0,
        article="Q213261",
        label="Clock lag (min)",
    )
    skewed_fraction: float = _p(
        "float",
        0.0,
        "share of clients whose clock lags",
        low=0.0,
        high=1.0,
        step=0.05,
        article="Q213261",
        label="Share of lagging clients",
    )
    clock_ahead_min: float = _p(
        "float",
        0.0,
        "how far ahead of the site server the clocks of the clients set ahead run until they are set right "
        "(clock_sync_h); an offline upload made meanwhile stores NextOfflineSyncTime that far in the future "
        "(Q311764, Q226832; the articles speak of years, a run lasts at most 60 days)",
        unit="min",
        low=0.0,
        high=86400.0,
        step=15.0,
        article="Q311764",
        label="Clock ahead (min)",
    )
    ahead_fraction: float = _p(
        "float",
        0.0,
        "share of clients whose clocks run ahead by clock_ahead_min, drawn among those whose clocks do not lag "
        "(fewer if skewed_fraction leaves too few)",
        low=0.0,
        high=1.0,
        step=0.05,
        article="Q311764",
        label="Share of clients set ahead",
    )
    clock_threshold_min: float = _p(
        "float",
        60.0,
        "a lag at install beyond this stops offline uploads [assumed; the article says 'significantly']",
        unit="min",
        low=1.0,
        high=10080.0,
        step=1.0,
        article="Q213261",
        label="Lag that stops uploads (min)",
    )
    clock_fault_fixed_in: str = _p(
        "choice",
        "none",
        "the service pack from which a lagging clock at install no longer stops uploads [assumed: none; Q213261 "
        "applies to 2.0, SP1 and SP2 and names no fix, and the SP3, SP4 and SP4 rollup fix lists (Q280756, "
        "Q308269, Q323206) do not list it; SP3 or SP4 tries what such a fix would change]",
        choices=("none", "SP3", "SP4"),
        article="Q213261",
        label="Clock fault fixed in [assumed]",
    )
    clock_sync_h: float = _p(
        "float",
        1440.0,
        "when the clocks that lag or run ahead are set to the site server's, hours from the run's start (at or after "
        "the run's end: not in this run)",
        unit="h",
        low=0.0,
        high=1440.0,
        step=1.0,
        article="Q213261",
        label="Clocks set right at (h)",
    )
    reinstall_h: float = _p(
        "float",
        1440.0,
        "when the metering software of the clients whose clocks lag or ran ahead is removed and installed again, "
        "hours from the run's start (at or after the run's end: not in this run)",
        unit="h",
        low=0.0,
        high=1440.0,
        step=1.0,
        article="Q213261",
        label="Reinstall at (h)",
    )

    # Service health
    service_pack: str = _p(
        "choice",
        "SP2",
        "SMS 2.0 service-pack level of the site: its metering servers and client agents",
        choices=("SP2", "SP2+hotfix", "SP3", "SP4"),
        article="Q299261",
        label="Service pack",
    )
    poll_interval_min: float = _p(
        "float",
        15.0,
        "SMS_LICENSE_SERVER_MANAGER polling cycle",
        unit="min",
        low=1.0,
        high=1440.0,
        step=1.0,
        article="Q299261",
        label="Service poll interval (min)",
    )
    pack_time: datetime | None = _p(
        "pack_time",
        None,
        "next weekly database pack (Remodbc.ini PackTime); empty: the first Sunday 01:59:59",
        article="Q299261",
        label="Next pack (PackTime)",
    )
    pack_interval_h: float = _p(
        "float",
        168.0,
        "time between database packs (Remodbc.ini PackInterval)",
        unit="h",
        low=1.0,
        high=8760.0,
        step=1.0,
        article="Q213171",
        label="Pack interval (h)",
    )

    # Remodbc.exe's memory leak, its restarts and the hang (Q245271)
    remodbc_leak_kb: float = _p(
        "float",
        10.0,
        "memory Remodbc.exe (SMS_LICENSE_SERVER) leaks for each licence request its server answers, up to SP2 "
        "(the Q245271 hotfix, SP3 and SP4 have no leak) [assumed: Q245271 says only that the leak grows with the "
        "server's load, a hang coming after days or weeks; 10 KB takes a server answering 1,000 requests a day to "
        "50 MB in about five days]",
        unit="KB/request",
        low=0.0,
        high=200.0,
        step=0.5,
        article="Q245271",
        label="Leak (KB/request) [assumed]",
        when=(("service_pack", "SP2"),),
    )
    remodbc_restart_mb: float = _p(
        "float",
        50.0,
        "memory of Remodbc.exe above which the License Server Manager restarts it, checked at each of its polls",
        unit="MB",
        low=5.0,
        high=500.0,
        step=1.0,
        article="Q245271",
        label="Remodbc restart above (MB)",
        when=(("service_pack", "SP2"),),
    )
    remodbc_stop_fail_pct: float = _p(
        "float",
        25.0,
        "chance that a restart's stop of Remodbc.exe fails, leaving the server hung until a reboot [assumed: "
        "Q245271 says hangs come from failed stops, not how often a stop fails]",
        unit="%",
        low=0.0,
        high=100.0,
        step=1.0,
        article="Q245271",
        label="Stop fails (%) [assumed]",
        when=(("service_pack", "SP2"),),
    )
    hang_reboot_h: float = _p(
        "float",
        8.0,
        "hours from a Remodbc.exe hang until an administrator reboots the server, the only cure (Q245271) "
        "[assumed: when the reboot comes is the site's; past the run's end: not in this run]",
        unit="h",
        low=0.25,
        high=1440.0,
        step=0.25,
        article="Q245271",
        label="Hang to reboot (h) [assumed]",
        when=(("service_pack", "SP2"),),
    )

    def __post_init__(self) -> None:
        for parameter in PARAMETERS.values():
            object.__setattr__(self, parameter.name, parameter.check(getattr(self, parameter.name)))
        for i, (server, start_h, _minutes) in enumerate(self.outages):
            if server >= self.n_servers:
                raise PARAMETERS["outages"].fail(
                    [list(o) for o in self.outages],
                    f"entry {i} names server {server}, but servers are 0 to {self.n_servers - 1} "
                    f"(n_servers={self.n_servers})",
                )
            if start_h >= self.days * 24:
                raise PARAMETERS["outages"].fail(
                    [list(o) for o in self.outages],
                    f"entry {i} starts at {start_h:g} h, after the run ends at {self.days * 24} h (days={self.days})",
                )
        if self.forbidden_product >= self.n_products:
            raise PARAMETERS["forbidden_product"].fail(
                self.forbidden_product, f"products are 0 to {self.n_products - 1} (n_products={self.n_products})"
            )
        for server in self.unreachable_servers:
            if server >= self.n_servers:
                raise PARAMETERS["unreachable_servers"].fail(
                    list(self.unreachable_servers),
                    f"servers are 0 to {self.n_servers - 1} (n_servers={self.n_servers})",
                )

    @classmethod
    def from_values(cls, values: Mapping[str, Any], base: Params | None = None, source: str = "") -> Params:
        """Params from a mapping of names to values, on top of ``base`` (default: the declared defaults).

        Unknown names raise a ParameterError naming the nearest known ones; ``source``
        (a file and section) is named in every error.
        """
        if not isinstance(values, Mapping):
            raise ParameterError(
                f"{_where(source)}values={values!r} is not allowed: expected a mapping of parameter names to values"
            )
        if base is not None and not isinstance(base, Params):
            raise ParameterError(f"{_where(source)}base={base!r} is not allowed: expected a kbsim.Params or None")
        for name in values:
            check_name(name, _where(source))
        try:
            return dataclasses.replace(base if base is not None else cls(), **values)
        except ParameterError as exc:
            raise ParameterError(f"{_where(source)}{exc}") from None

    @property
    def retry_every_min(self) -> float:
        """How often a stranded Windows NT client (or a Windows 95/98 one after its first CCIM cycle)
        retries: every ``retry_delay_min`` as configured, or every ``no_server_retry_s`` under the
        immediate-failover bug (Q226827). A Windows 95/98 client still bound to one server retries
        every ``win9x_retry_s`` whatever ``failover`` says (Q212894)."""
        return self.no_server_retry_s / 60 if self.failover == "immediate" else self.retry_delay_min

    def changed(self, other: Params | None = None) -> dict[str, Any]:
        """The parameters (as plain values) where this set differs from ``other`` (default: the declared defaults)."""
        other = other if other is not None else Params()
        return {n: p.to_plain(getattr(self, n)) for n, p in PARAMETERS.items() if getattr(self, n) != getattr(other, n)}

    def to_plain(self) -> dict[str, Any]:
        """Every parameter as plain data, for JSON and TOML."""
        return {n: p.to_plain(getattr(self, n)) for n, p in PARAMETERS.items()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.changed().items())
        return f"Params({args})"


def check_name(name: str, where: str = "") -> Parameter:
    """The declaration of parameter ``name``, or the one unknown-parameter error (nearest names)."""
    if not isinstance(name, str) or name not in PARAMETERS:
        raise unknown_name("parameter", name, PARAMETERS, where=where, listing=PARAMETER_LISTING)
    return PARAMETERS[name]


def _where(source: str) -> str:
    return f"{source}: " if source else ""


PARAMETERS: dict[str, Parameter] = {
    f.name: Parameter(name=f.name, **f.metadata["parameter"]) for f in dataclasses.fields(Params)
}
"""Every parameter's declaration, by name, in the order a reader meets them."""
