"""Reading runs: sweeps over seeds and grids, a run as the SMS logs, every file written whole.

Imports only :mod:`kbsim.model` beside itself (tests/test_layers.py).
"""
