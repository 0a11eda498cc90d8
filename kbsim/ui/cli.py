"""Command line: ``python -m kbsim list``, ``run PRESET --set NAME=VALUE ...``, ``sweep``, ``logs`` and ``mystery``.

Bad input prints one line naming the input and what is allowed, and exits 2. Every
file is written whole or not at all, and an existing one is replaced only with
``--force``. Ctrl-C prints one line and exits 130, leaving no file half-written.
A sweep whose runs were lost twice with their worker processes exits 1 with one
line naming the file that keeps the runs that finished.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from ..analysis.logs import LOG_FILES, render, troubled_client, write_logs
from ..analysis.outputs import FORCE, as_path, check_folder
from ..analysis.sweeps import SweepIncomplete, check_writable, sweep, write_table
from ..model.errors import ParameterError, unknown_name
from ..model.parameters import PARAMETERS, check_name
from ..model.result import SUMMARY
from ..model.scenarios import get_preset, presets, run
from ..model.size import LARGE_KEY_CASES, LARGE_RUN_LAUNCHES, LARGE_RUN_ROWS, check_key_cases

#: The exit status of a command stopped by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130

#: The page that gives each parameter's source (an article or a documented default) or says it is assumed.
MODEL_DOC = "docs/model.md"


def _run_arguments(command: argparse.ArgumentParser, set_help: str, seed: bool = True) -> None:
    """The arguments every command that makes runs shares: preset, variant, seed and overrides."""
    command.add_argument("preset", help="a preset name (see 'list') or the path of a .toml file")
    command.add_argument("--variant", default=None, help="a variant of the preset, e.g. fix")
    if seed:
        command.add_argument("--seed", type=int, default=None, help="seed of the run (default: the preset's)")
    command.add_argument("--set", dest="settings", action="append", default=[], metavar="NAME=VALUE", help=set_help)
    command.add_argument(
        "--allow-large",
        action="store_true",
        help=f"run even beyond the size limit ({LARGE_RUN_LAUNCHES:,} launches or "
        f"{LARGE_RUN_ROWS:,} event rows: tens of seconds and gigabytes)",
    )


def _force(command: argparse.ArgumentParser) -> None:
    command.add_argument(FORCE, action="store_true", help="replace files that exist (default: refuse, naming them)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kbsim", description="SMS 2.0 Software Metering, simulated.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the presets and their variants")
    commands.add_parser("params", help="list every parameter: default, allowed values, unit, help")
    runner = commands.add_parser("run", help="run a preset and print its summary")
    _run_arguments(runner, "override a parameter; repeat for more")
    runner.add_argument("--json", action="store_true", help="print parameters and summary as JSON")

    sweeper = commands.add_parser("sweep", help="run a preset over a grid of values and seeds; write one row per run")
    _run_arguments(sweeper, "fix a parameter for every run; repeat for more", seed=False)
    sweeper.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=V1,V2,...",
        help="values of a parameter to sweep; repeat for every combination of several "
        "(outages, unreachable_servers: values separated by ';')",
    )
    sweeper.add_argument(
        "--seeds", default="10", metavar="N", help="seeds 1 to N, or a list such as 1,2,5 (default 10)"
    )
    sweeper.add_argument("--out", required=True, metavar="FILE", help="a .csv or .parquet file to write")
    _force(sweeper)

    logger = commands.add_parser("logs", help="a run's events as SMS logs: LICSRVC.log, status messages, Liccli.log")
    _run_arguments(logger, "override a parameter; repeat for more")
    logger.add_argument("--log", default=None, metavar="|".join(LOG_FILES), help="one log only (default: all three)")
    logger.add_argument(
        "--client",
        type=int,
        default=None,
        help="the client whose Liccli.log to show (default: the first that failed to reach a server)",
    )
    logger.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help=f"write {', '.join(LOG_FILES.values())} into this folder instead of printing",
    )
    _force(logger)

    detective = commands.add_parser(
        "mystery", help="write a mystery site's evidence to a folder, or check an answer to it"
    )
    detective.add_argument(
        "--seed", type=int, required=True, help="the case's seed: the same seed gives the whole class one case"
    )
    detective.add_argument(
        "--level", type=int, default=1, help="1 plain signs, 2 red herrings, 3 two causes (default 1)"
    )
    detective.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="folder for the evidence (default mystery-SEED-LLEVEL); not written when checking an answer",
    )
    _force(detective)
    detective.add_argument(
        "--answer",
        action="append",
        default=[],
        metavar="ARTICLE",
        help="check this answer: an article such as Q226827, or none; repeat for two causes",
    )
    detective.add_argument(
        "--detail",
        action="append",
        default=[],
        metavar="TEXT",
        help="what exactly, one per --answer (see --details ARTICLE for the choices)",
    )
    detective.add_argument(
        "--fix",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting of the fix; repeat for more. The site is run again with it",
    )
    detective.add_argument(
        "--details", default=None, metavar="ARTICLE", help="list the choices of --detail for an article"
    )
    detective.add_argument("--reveal", action="store_true", help="print the instructor's answer")
    key = commands.add_parser(
        "mystery-key", help="the instructor's answer key for a set of mystery cases, as CSV (one row per cause)"
    )
    key.add_argument("seeds", help="the cases' seeds: 12, 1-30 or 3,7,12")
    key.add_argument("--level", type=int, default=1, help="1 plain signs, 2 red herrings, 3 two causes (default 1)")
    key.add_argument(
        "--allow-large",
        action="store_true",
        help=f"draw even more than {LARGE_KEY_CASES:,} cases (each is a run: about a minute per thousand)",
    )
    return parser


def _mystery(args: argparse.Namespace) -> None:
    from ..teaching.evidence import FILES
    from ..teaching.mystery import mystery  # drawn only when asked for

    writing = not (args.details or args.reveal or args.answer)
    out = as_path(args.out or f"mystery-{args.seed}-L{args.level}", "--out")
    if writing:
        check_folder(out, list(FILES.values()), args.force)  # before the case is drawn and run
    case = mystery(args.seed, args.level)
    if args.details:
        print("\n".join(case.details(args.details)))
    elif args.reveal:
        print(case.reveal().text())
    elif args.answer:
        fix = {}
        for setting in args.fix:
            name, sep, text = setting.partition("=")
            if not sep or not name.strip():
                raise ParameterError(f"--fix {setting!r} is not allowed: expected NAME=VALUE, e.g. --fix licenses=80")
            fix[name.strip()] = check_name(name.strip(), "--fix: ").parse_text(text)
        verdict = case.check(args.answer, args.detail or None, fix or None)
        print(verdict.text())
    else:
        if args.detail or args.fix:
            raise ParameterError("--detail and --fix are allowed only with --answer")
        for path in case.evidence.write(out, overwrite=args.force):
            print(path)


def parse_settings(settings: Sequence[str]) -> dict:
    """``NAME=VALUE`` texts as checked parameter values."""
    values = {}
    for setting in settings:
        name, sep, text = setting.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"--set {setting!r} is not allowed: expected NAME=VALUE, e.g. --set retries=3")
        values[name] = check_name(name, "--set: ").parse_text(text)
    return values


def _run_settings(args: argparse.Namespace) -> dict:
    """A run's ``--set`` values with its ``--seed`` (given once: ``--seed N`` or ``--set seed=N``)."""
    settings = parse_settings(args.settings)
    if args.seed is not None:
        if "seed" in settings:
            raise ParameterError("--seed and --set seed= are both given: give the seed once")
        settings["seed"] = PARAMETERS["seed"].check(args.seed)
    return settings


def parse_grid(grids: Sequence[str]) -> dict[str, list]:
    """``NAME=V1,V2,...`` texts as checked lists of values, read through each parameter's declaration."""
    grid: dict[str, list] = {}
    for text in grids:
        name, sep, values = text.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(
                f"--grid {text!r} is not allowed: expected NAME=V1,V2,..., e.g. --grid balancing_interval_h=1,4,24"
            )
        declared = check_name(name, "--grid: ")
        if name in grid:
            raise ParameterError(f"--grid {name} is given twice: give all its values in one --grid")
        separator = declared.kind.grid_separator  # ";" for a kind whose one value holds commas (0:30:45,1:30:45)
        parts = values.split(separator)
        if any(not part.strip() for part in parts):
            raise ParameterError(
                f"--grid {text!r} has an empty value: expected NAME=V1{separator}V2..., each {declared.allowed()}"
            )
        try:
            grid[name] = [declared.parse_text(part) for part in parts]
        except ParameterError as exc:
            raise ParameterError(f"--grid {exc}") from None
    return grid


def parse_seeds(text: str) -> int | list[int]:
    """``--seeds``: a number N (seeds 1 to N) or a list such as ``1,2,5``."""
    try:
        seeds = [int(part) for part in text.split(",")]
    except ValueError:
        raise ParameterError(
            f"--seeds {text!r} is not allowed: expected a number of seeds N (seeds 1 to N) "
            "or a list of seeds such as 1,2,5"
        ) from None
    return seeds[0] if len(seeds) == 1 else seeds


def parse_cases(text: str, allow_large: bool = False) -> list[int]:
    """``mystery-key``'s cases: one seed (12), a range (1-30) or a list (3,7,12), mixed freely; more than
    :data:`~kbsim.model.size.LARGE_KEY_CASES` are refused (unless ``allow_large``), counted before any is listed."""
    spans: list[range] = []
    try:
        for part in filter(None, (p.strip() for p in text.split(","))):
            low, dash, high = part.partition("-")
            spans.append(range(int(low), int(high) + 1) if dash else range(int(low), int(low) + 1))
    except ValueError:
        spans = []
    if not any(spans):
        raise ParameterError(f"cases {text!r} are not allowed: expected seeds such as 12, 1-30 or 3,7,12")
    check_key_cases(sum(map(len, spans)), allow_large, what=f"cases {text!r}")
    return [seed for span in spans for seed in span]


def _sweep(args: argparse.Namespace) -> int:
    out = Path(args.out)
    check_writable(out, args.force)  # before any run: nothing computed for a file that cannot be written
    try:
        frame = sweep(
            args.preset,
            parse_grid(args.grid),
            parse_seeds(args.seeds),
            variant=args.variant,
            progress=sys.stderr.isatty(),
            allow_large=args.allow_large,
            **parse_settings(args.settings),
        )
    except SweepIncomplete as lost:
        kept = partial_path(out)
        write_table(lost.frame, kept, overwrite=True)
        print(
            f"kbsim: error: {lost}; {out} not written, the {len(lost.frame)} finished runs are in {kept}",
            file=sys.stderr,
        )
        return 1
    write_table(frame, out, overwrite=args.force)
    print(f"{len(frame)} runs of {frame['preset'].iloc[0]} ({frame['variant'].iloc[0]}) written to {out}")
    return 0


def partial_path(out: Path) -> Path:
    """Where a sweep that lost runs keeps those that finished: beside ``out``, ``runs.partial.csv``."""
    return out.with_name(f"{out.stem}.partial{out.suffix}")


def _logs(args: argparse.Namespace) -> None:
    names = [args.log] if args.log else list(LOG_FILES)
    for name in names:
        if name not in LOG_FILES:
            raise unknown_name("log", name, LOG_FILES, where="--log: ")
    if args.out:  # before the run: nothing computed for a folder that cannot be written
        check_folder(as_path(args.out, "--out"), [LOG_FILES[name] for name in names], args.force)
    preset = get_preset(args.preset)
    result = run(preset, variant=args.variant, allow_large=args.allow_large, **_run_settings(args))
    client = troubled_client(result) if args.client is None else args.client
    if args.out:
        for path in write_logs(result, args.out, tuple(names), client, overwrite=args.force):
            print(path)
        return
    for name in names:
        text = render(result, name, client)
        if len(names) > 1:
            print(f"==> {LOG_FILES[name]}" + (f" (client {client})" if name == "client" else "") + " <==")
        print(text, end="" if len(names) == 1 else "\n")


def _plain(value: float) -> float | None:
    return None if isinstance(value, float) and math.isnan(value) else value


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_output()
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            for name, preset in presets().items():
                variants = ", ".join(preset.variant_names())
                print(f"{name:10} {preset.article or '-':8} {preset.title}  [variants: {variants}]")
        elif args.command == "params":
            print(f"# Where each default comes from, and what is [assumed]: {MODEL_DOC} in the kbsim repository.")
            for p in PARAMETERS.values():
                print(f"{p.name:22} default {p.to_plain(p.default)!r:24} {p.allowed()}. {p.help}")
        elif args.command == "sweep":
            return _sweep(args)
        elif args.command == "logs":
            _logs(args)
        elif args.command == "mystery":
            _mystery(args)
        elif args.command == "mystery-key":
            from ..teaching.classroom import mystery_key

            cases = parse_cases(args.seeds, args.allow_large)
            print(mystery_key(cases, args.level, allow_large=args.allow_large).to_csv(index=False), end="")
        else:
            get_preset(args.preset)
            result = run(args.preset, variant=args.variant, allow_large=args.allow_large, **_run_settings(args))
            if args.json:
                print(
                    json.dumps(
                        {
                            "preset": result.preset,
                            "variant": result.variant or "fault",
                            "params": result.params.to_plain(),
                            "summary": {k: _plain(v) for k, v in result.summary.items()},
                            "notes": result.notes,
                        },
                        indent=2,
                    )
                )
            else:
                print(result.stamp())
                width = max(map(len, SUMMARY))
                for key, value in result.summary.items():
                    shown = f"{value:.4g}" if isinstance(value, float) else str(value)
                    print(f"  {key:{width}}  {shown}")
                for note in result.notes:
                    print(f"note: {note}")
    except ParameterError as exc:
        print(f"kbsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kbsim: interrupted: nothing written", file=sys.stderr)
        return INTERRUPTED
    return 0


def _tolerant_output() -> None:
    """Text the terminal's encoding cannot show (PYTHONIOENCODING=ascii, a Windows code page) is escaped,
    not a UnicodeEncodeError: kbsim's lines use a few characters beyond ASCII (x, ±, -)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a stream that cannot change now
                reconfigure(errors="backslashreplace")
