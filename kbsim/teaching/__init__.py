"""The course: the article registry, mystery sites, their evidence and diagnosis, exercises, the classroom.

Imports only :mod:`kbsim.model` and :mod:`kbsim.analysis` beside itself (tests/test_layers.py).
"""
