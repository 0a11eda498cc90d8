"""kbsim's version, declared once: the package metadata (pyproject.toml) and ``kbsim.__version__`` read it.

It lives below the front door so that what stamps a run with its version (a Result is built with it)
need not import the package back.
"""

__version__ = "0.1.0"
