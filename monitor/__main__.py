"""`python -m monitor`: the same as the `monitor` command."""

from .cli import cli

cli(prog_name="monitor")
