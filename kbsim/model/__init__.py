"""The simulation: the mechanisms of a metered site, the site that wires them, presets, runs and their Result.

Imports nothing from :mod:`kbsim.analysis`, :mod:`kbsim.teaching` or :mod:`kbsim.ui` (tests/test_layers.py).
"""
