"""What a person touches: figures, widgets, explorers, a mystery site's page and the command line.

The top layer: it may import every other (tests/test_layers.py); nothing below imports it.
"""
