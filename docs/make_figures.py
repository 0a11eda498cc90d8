"""Draw the README's pictures from the real suite: `python docs/make_figures.py`."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

import kbsim
from kbsim import plots

OUT = Path(__file__).resolve().parent / "figures"

FIGURES = {
    "site_denials.png": ("site", None, plots.denials_over_time),
    "Q226827_denials.png": ("Q226827", None, plots.denials_over_time),
    "Q226827_licences.png": ("Q226827", None, plots.license_distribution),
    "Q226838_in_use.png": ("Q226838", None, plots.in_use_vs_running),
    "Q210202_licences.png": ("Q210202", None, plots.license_distribution),
    "Q212894_attempts.png": ("Q212894", None, plots.client_attempts),
    "Q213261_usage.png": ("Q213261", None, plots.usage_by_clock_offset),
    "Q311764_held.png": ("Q311764", None, plots.uploads_over_time),
    "Q245271_service.png": ("Q245271", None, plots.service_timeline),
    "Q299261_service.png": ("Q299261", None, plots.service_timeline),
}


def save(ax, name: str) -> None:
    ax.figure.savefig(OUT / name, dpi=80, metadata={"Software": None})
    plt.close(ax.figure)
    print(f"{name}: {plots.alt_text(ax)}")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (preset, variant, plot) in FIGURES.items():
        save(plot(kbsim.run(preset, variant=variant)), name)
    # The sweeps notebook's first question: denials against the balancing schedule, over seeds.
    schedule = kbsim.sweep(
        "Q210202",
        {"launches_per_day": [4.0, 8.0], "balancing_interval_h": [0.25, 1.0, 4.0, 24.0]},
        seeds=5,
        progress=False,
    )
    summary = kbsim.summarize_sweep(schedule, "denial_rate", by=["balancing_interval_h", "launches_per_day"])
    save(plots.sweep_band(summary, "denial_rate"), "sweep_denials.png")
    mystery_figure()


def mystery_figure() -> None:
    """The mystery-sites notebook's worked case: what its administrator saw of the requests."""
    save(plots.evidence_requests(kbsim.mystery(1066, level=1).evidence), "mystery_requests.png")


if __name__ == "__main__":
    main()
