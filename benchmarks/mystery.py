"""Are mystery sites solvable? `python benchmarks/mystery.py [--cases 1000]`.

The reference diagnosis (kbsim.teaching.diagnosis.diagnose, which reads only a case's evidence) must name
the right causes in at least 95% of the cases at level 1 and 80% at level 3, and see no article's
signature in a healthy site. Prints the rates per level; exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import sys
import time

from kbsim.teaching.diagnosis import solve_rate

TARGETS = {1: 0.95, 2: 0.80, 3: 0.80}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1000)
    args = parser.parse_args()
    missed = False
    for level, target in TARGETS.items():
        began = time.perf_counter()
        rates = solve_rate(range(args.cases), level)
        assert rates["cases"] == args.cases
        seconds = time.perf_counter() - began
        print(
            f"level {level}: {rates['cases']} cases, right causes {rates['articles']:.1%} (target {target:.0%}), "
            f"right details {rates['details']:.1%}, healthy sites flagged {rates['healthy_flagged']:.1%}, "
            f"{seconds:.0f} s"
        )
        missed |= rates["articles"] < target or rates["healthy_flagged"] > 0
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
