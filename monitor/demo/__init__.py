"""`monitor demo`: the bundled sample news site (site/) and the run over it (run.py)."""
