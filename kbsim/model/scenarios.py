"""Presets: each article's conditions as data, shipped inside the package as ``kbsim/presets/*.toml``.

The packaged presets are found through :mod:`importlib.resources`, so an
installed wheel or sdist carries them and runs them from any folder. A user's
own preset is a TOML file of the same form anywhere on disk, run by its path
(``kbsim.run("my_site.toml")``).

A preset file holds a title, the article it reproduces, the parameters its
notebook exposes (``explore``), the parameter values of the fault
(``[params]``) and named variants on top of them (``[variants.workaround]``,
``[variants.fix]``). Every value is checked against the one declaration in
:mod:`kbsim.model.parameters`; a malformed file raises a ParameterError naming the
file and the entry.

``[directions.<control>]`` says what the article says each explorer control
does to the preset's headline numbers, one entry per summary number:
``recovery_h_win9x = "up"``, or a table ``{direction = "none", why = "..."}``.
Directions read along the widget (low to high, False to True, options in
order; the outage control has three: ``outages.server``, ``outages.start_h``
and ``outages.minutes``): ``up``, ``down``, ``none``, or a non-monotone shape,
``rise-fall``, ``fall-rise`` or ``non-monotone``, which must say ``why``. A
control's ``when`` table sets other parameters for the check (e.g. a delay that
matters only with restarts on). A preset with a directions table declares
every control it explores, except ``seed``, which draws another site of the
same shape and is the noise the others are measured against.

An entry's ``over`` names another control the number is averaged over, its
values spread evenly across that control's range, where one value of it cannot
show the direction: one outage's denials under a balancing interval depend on
where the outage falls against the cycles more than on the interval
(``denials = {direction = "up", over = "outages.start_h", why = "..."}``).

A direction holds on every kind of site unless the control's table says
otherwise for one kind (:data:`SITE_KINDS`): a sub-table
``[directions.<control>.busy]`` or ``[directions.<control>.on_demand]`` declares,
with its ``why``, the direction that replaces the general one for that number
on a busy site (a quarter or more of the requests refused) or with on-demand
balancing on. The reason is needed: a direction only reverses where a
mechanism makes it reverse.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from .errors import ParameterError, unknown_name
from .kinds import OutagesKind
from .parameters import PARAMETER_LISTING, PARAMETERS, Params
from .result import SUMMARY, SUMMARY_LISTING, Result
from .site import simulate
from .size import check_size

#: The folder of the packaged presets, inside the installed package.
PRESET_DIR = "presets"
FAULT = "fault"
#: Where a user reads every preset's name.
PRESET_LISTING = "'python -m kbsim list'"
#: The figures of a run a preset may ask for (``plots``), checked when the file loads; :mod:`kbsim.ui.plots` draws
#: each (tests/test_presets.py checks that it draws exactly these).
FIGURES = (
    "denials_over_time",
    "license_distribution",
    "metering_work",
    "client_attempts",
    "usage_by_clock_offset",
    "service_timeline",
    "uploads_over_time",
    "in_use_vs_running",
    "configuration_reach",
)
_KEYS = {"title", "article", "description", "explore", "plots", "metrics", "params", "variants", "directions"}
#: Direction words, read along a control's widget from its low end (or first option) to its high end.
DIRECTIONS = ("up", "down", "none", "rise-fall", "fall-rise", "non-monotone")
#: The shapes that are not monotone: a declaration must say why.
SHAPES = ("rise-fall", "fall-rise", "non-monotone")
#: The parts of the outage control, each a control of its own in a directions table.
OUTAGE_PARTS = OutagesKind.parts
#: Kinds of site a direction may be declared apart for: a busy one (a quarter or more of the requests refused)
#: and one with on-demand balancing on. A direction declared without a kind holds on every site.
SITE_KINDS = ("busy", "on_demand")


@dataclass(frozen=True)
class Direction:
    """What moving one explorer control does to one summary number, as the article says."""

    control: str
    metric: str
    direction: str
    why: str = ""
    when: tuple[tuple[str, Any], ...] = ()
    #: The kind of site this direction is declared for (:data:`SITE_KINDS`); "" for every kind without its own.
    site: str = ""
    #: A control the number is averaged over, its values spread evenly across its range ("" for none).
    over: str = ""
    #: For "none": how far the number may move and still count as unchanged, in its own unit (0: not at all).
    #: A small real effect is still an effect; ``within`` says how small the article's "no change" is.
    within: float = 0.0


@dataclass(frozen=True)
class Preset:
    """One scenario: the fault's parameters, its variants and what its notebook exposes."""

    name: str
    title: str
    article: str
    description: str
    params: Params
    explore: tuple[str, ...]
    plots: tuple[str, ...] = ("denials_over_time",)
    metrics: tuple[str, ...] = ("denials", "denial_rate")
    variants: dict[str, Params] = field(default_factory=dict)
    directions: tuple[Direction, ...] = ()
    path: str = ""

    def variant(self, name: str | None) -> Params:
        """The parameters of a variant (``None`` or ``"fault"``: the preset's own, unless the file declares a
        variant of that name, which then runs as declared)."""
        if isinstance(name, str) and name in self.variants:
            return self.variants[name]
        if name in (None, "", FAULT):
            return self.params
        if not isinstance(name, str):
            raise ParameterError(f"variant={name!r} is not allowed: expected a variant's name as text, or None")
        raise unknown_name("variant", name, self.variant_names(), where=f"preset {self.name!r}: ")

    def variant_names(self) -> list[str]:
        """Every variant's name, ``fault`` first (once, even if the file declares a variant of that name)."""
        return list(dict.fromkeys((FAULT, *self.variants)))

    def __repr__(self) -> str:
        return f"Preset({self.name!r}, article={self.article!r}, variants={self.variant_names()})"

    def _repr_markdown_(self) -> str:
        """In a notebook: the title and the description as prose, and the variants to pick."""
        description = " ".join(self.description.split())
        variants = ", ".join(f"`{v}`" for v in self.variant_names())
        return f"**{self.title}**\n\n{description}\n\nVariants: {variants}."


def load_preset(path: str | Path | Traversable) -> Preset:
    """Read one preset file; any problem raises a ParameterError naming the file and the entry."""
    if not isinstance(path, (str, Path, Traversable)) or (isinstance(path, str) and not path.strip()):
        raise ParameterError(f"path={path!r} is not allowed: expected the path of a preset's .toml file, as text")
    path = path if isinstance(path, Traversable) else Path(path)
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ParameterError(f"{path}: cannot read the preset file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ParameterError(
            f"{path}: not UTF-8 text (byte {exc.start} cannot be read): expected a TOML file saved as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - _KEYS
    if unknown:
        raise unknown_name("entry", sorted(unknown)[0], sorted(_KEYS), where=f"{path}: ")
    for key in ("title", "article", "description"):
        if not isinstance(data.get(key, ""), str):
            raise ParameterError(f"{path}: {key} must be text")
    params = Params.from_values(_table(path, data, "params"), source=f"{path} [params]")
    explore = _names(path, data, "explore", PARAMETERS, "parameter", PARAMETER_LISTING)
    metrics = _names(path, data, "metrics", SUMMARY, "summary number", SUMMARY_LISTING)
    plots = data.get("plots", list(Preset.plots))
    if not isinstance(plots, list) or not plots or not all(isinstance(n, str) and n.strip() for n in plots):
        raise ParameterError(
            f'{path}: plots={plots!r} is not allowed: expected a list of plot names, e.g. plots = ["denials_over_time"]'
        )
    for plot in plots:
        if plot not in FIGURES:
            raise unknown_name("plot", plot, FIGURES, where=f"{path}: plots: ")
    variants = {}
    for name, values in _table(path, data, "variants").items():
        if not isinstance(values, dict):
            raise ParameterError(f"{path}: [variants.{name}] must be a table of parameter values")
        variants[name] = Params.from_values(values, base=params, source=f"{path} [variants.{name}]")
    directions = _directions(path, data, explore, params)
    name = path.name.removesuffix(".toml")
    return Preset(
        name=name,
        title=data.get("title", name),
        article=data.get("article", ""),
        description=data.get("description", ""),
        params=params,
        explore=explore,
        plots=tuple(plots),
        metrics=metrics or Preset.metrics,
        variants=variants,
        directions=directions,
        path=str(path),
    )


def direction_controls(explore: tuple[str, ...]) -> list[str]:
    """The controls a directions table must declare for these explored parameters (``seed`` excepted)."""
    names = []
    for name in explore:
        if name == "seed":
            continue
        parts = PARAMETERS[name].kind.parts
        names += [f"{name}.{part}" for part in parts] if parts else [name]
    return names


def _directions(
    path: Path | Traversable, data: dict[str, Any], explore: tuple[str, ...], params: Params
) -> tuple[Direction, ...]:
    table = _table(path, data, "directions")
    if not table:
        return ()
    controls = direction_controls(explore)
    missing = [name for name in controls if name not in table]
    if missing:
        raise ParameterError(
            f"{path}: [directions] does not declare {missing[0]!r}: every explored control "
            f"but seed needs one ({', '.join(controls)})"
        )
    declared = []
    for control, entries in table.items():
        where = f"{path}: [directions.{control}]"
        if control not in controls:
            raise ParameterError(
                f"{where}: {control!r} is not a control of this preset: expected one of {', '.join(controls)}"
            )
        if not isinstance(entries, dict):
            raise ParameterError(f"{where} must be a table of summary numbers and directions")
        when = entries.get("when", {})
        if not isinstance(when, dict):
            raise ParameterError(f"{where}: when must be a table of parameter values")
        checked = Params.from_values(when, base=params, source=f"{where} when")
        when_values = tuple((name, getattr(checked, name)) for name in when)
        metrics = {k: v for k, v in entries.items() if k != "when" and k not in SITE_KINDS}
        if not metrics:
            raise ParameterError(f"{where} declares no summary number")
        declared += _entries(where, control, metrics, when_values, controls, "")
        for kind in SITE_KINDS:
            if kind not in entries:
                continue
            kind_metrics = entries[kind]
            if not isinstance(kind_metrics, dict) or not kind_metrics:
                raise ParameterError(f"{where}.{kind} must be a table of summary numbers and directions")
            declared += _entries(f"{where}.{kind}", control, kind_metrics, when_values, controls, kind)
    return tuple(declared)


def _entries(
    where: str,
    control: str,
    metrics: dict[str, Any],
    when_values: tuple[tuple[str, Any], ...],
    controls: list[str],
    site: str,
) -> list[Direction]:
    """One control's directions for one kind of site ("" for every kind), checked."""
    declared = []
    for metric, entry in metrics.items():
        if metric not in SUMMARY:
            raise ParameterError(f"{where}: unknown summary number {metric!r}: expected one of {', '.join(SUMMARY)}")
        word, why, over, within = entry, "", "", 0.0
        if isinstance(entry, dict):
            unknown = set(entry) - {"direction", "why", "over", "within"}
            if unknown:
                raise ParameterError(
                    f"{where}: {metric} has unknown entry {sorted(unknown)[0]!r}: expected direction, why, over "
                    "and within"
                )
            word, why, over = entry.get("direction"), entry.get("why", ""), entry.get("over", "")
            within = entry.get("within", 0.0)
        if word not in DIRECTIONS:
            raise ParameterError(
                f"{where}: {metric} = {word!r} is not a direction: expected one of {', '.join(DIRECTIONS)}"
            )
        if not isinstance(why, str) or (word in SHAPES and not why.strip()):
            raise ParameterError(f'{where}: {metric} = {word!r} is not monotone: say why (why = "...")')
        if site and not why.strip():
            raise ParameterError(f'{where}: {metric} is declared apart for a {site} site: say why (why = "...")')
        if "within" in (entry if isinstance(entry, dict) else {}) and (
            word != "none" or isinstance(within, bool) or not isinstance(within, int | float) or not within > 0
        ):
            raise ParameterError(f"{where}: {metric}'s within must be a number above 0, and only with direction none")
        if over and (over not in controls or over == control):
            others = ", ".join(c for c in controls if c != control)
            raise ParameterError(f"{where}: {metric} over {over!r} is not another control: expected one of {others}")
        declared.append(Direction(control, metric, word, why, when_values, site, over, float(within)))
    return declared


def directions_for(preset: Preset, site: str = "") -> list[Direction]:
    """The directions to check on a ``site`` of one kind (:data:`SITE_KINDS`; "" for the usual sites): each
    control's number as declared for that kind, or else as declared for every kind."""
    chosen: dict[tuple[str, str], Direction] = {}
    for d in preset.directions:
        if d.site in ("", site):
            key = (d.control, d.metric)
            if key not in chosen or d.site == site:
                chosen[key] = d
    return list(chosen.values())


def _names(
    path: Path | Traversable, data: dict[str, Any], key: str, known: Any, what: str, listing: str
) -> tuple[str, ...]:
    names = data.get(key, [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ParameterError(f"{path}: {key} must be a list of {what} names")
    for name in names:
        if name not in known:
            raise unknown_name(what, name, known, where=f"{path}: {key}: ", listing=listing)
    return tuple(names)


def _table(path: Path | Traversable, data: dict[str, Any], key: str) -> dict[str, Any]:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise ParameterError(f"{path}: [{key}] must be a table")
    return table


@cache
def _presets() -> dict[str, Preset]:
    folder = resources.files("kbsim") / PRESET_DIR
    files = (
        sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
        if folder.is_dir()
        else []
    )
    if not files:
        raise ParameterError(f"no presets in {folder}: this kbsim installation is incomplete; reinstall kbsim")
    return {f.name.removesuffix(".toml"): load_preset(f) for f in files}


def presets() -> dict[str, Preset]:
    """Every preset shipped with kbsim (``kbsim/presets/*.toml``), by name; none found is a ParameterError."""
    return dict(_presets())


def get_preset(preset: str | Path | Preset) -> Preset:
    """A preset by name, by the path of a TOML file (a user's own preset), or as given."""
    if isinstance(preset, Preset):
        return preset
    if isinstance(preset, Path) or (isinstance(preset, str) and preset.endswith(".toml")):
        return load_preset(preset)
    known = _presets()
    if isinstance(preset, str) and preset in known:
        return known[preset]
    raise unknown_name("preset", preset, known, also="or the path of a .toml file", listing=PRESET_LISTING)


def run(
    preset: str | Path | Preset = "site",
    *,
    variant: str | None = None,
    seed: int | None = None,
    allow_large: bool = False,
    **overrides: Any,
) -> Result:
    """Run a preset (by name, file or object), optionally a variant of it, with parameter overrides.

    ``seed`` overrides the preset's seed; the same parameters and seed always
    give the same Result. Unknown or out-of-range parameters raise ParameterError.
    A run estimated beyond :mod:`kbsim.model.size`'s limits (5 million launches or 8 million
    event rows: tens of seconds and gigabytes) raises ParameterError saying how large
    it would be, unless ``allow_large=True``; :func:`estimate` gives a run's size first.
    """
    chosen = get_preset(preset)
    base = chosen.variant(variant)
    if seed is not None:
        overrides["seed"] = seed
    params = Params.from_values(overrides, base=base)
    check_size(params, allow_large)
    return simulate(params, preset=chosen.name, variant="" if variant in (None, "", FAULT) else variant, base=base)
