"""Command line: ``python -m kbsim list`` and ``python -m kbsim run PRESET --set NAME=VALUE ...``.

Bad input prints one line naming the input and what is allowed, and exits 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence

from . import PARAMETERS, SUMMARY, ParameterError, get_preset, presets, run


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kbsim", description="SMS 2.0 Software Metering, simulated.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the presets and their variants")
    commands.add_parser("params", help="list every parameter: default, allowed values, unit, help")
    runner = commands.add_parser("run", help="run a preset and print its summary")
    runner.add_argument("preset", help="a preset name (see 'list') or the path of a .toml file")
    runner.add_argument("--variant", default=None, help="a variant of the preset, e.g. fix")
    runner.add_argument("--seed", type=int, default=None, help="seed of the run (default: the preset's)")
    runner.add_argument("--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="override a parameter; repeat for more")
    runner.add_argument("--json", action="store_true", help="print parameters and summary as JSON")
    return parser


def parse_settings(settings: Sequence[str]) -> dict:
    """``NAME=VALUE`` texts as checked parameter values."""
    values = {}
    for setting in settings:
        name, sep, text = setting.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"--set {setting!r} is not allowed: expected NAME=VALUE, e.g. --set retries=3")
        if name not in PARAMETERS:
            raise ParameterError(f"--set {name}: unknown parameter; known parameters: {', '.join(PARAMETERS)}")
        values[name] = PARAMETERS[name].parse_text(text)
    return values


def _plain(value: float) -> float | None:
    return None if isinstance(value, float) and math.isnan(value) else value


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            for name, preset in presets().items():
                variants = ", ".join(["fault", *preset.variants])
                print(f"{name:10} {preset.article or '-':8} {preset.title}  [variants: {variants}]")
        elif args.command == "params":
            for p in PARAMETERS.values():
                print(f"{p.name:22} default {p.to_plain(p.default)!r:24} {p.allowed()}. {p.help}")
        else:
            get_preset(args.preset)
            result = run(args.preset, variant=args.variant, seed=args.seed, **parse_settings(args.settings))
            if args.json:
                print(json.dumps({"preset": result.preset, "variant": result.variant or "fault",
                                  "params": result.params.to_plain(),
                                  "summary": {k: _plain(v) for k, v in result.summary.items()},
                                  "notes": result.notes}, indent=2))
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
