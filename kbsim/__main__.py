"""``python -m kbsim``: the command line, :mod:`kbsim.ui.cli`."""

import sys

from .ui.cli import main

if __name__ == "__main__":
    sys.exit(main())
