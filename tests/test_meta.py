"""The project's own promises: documented commands, layered packages, a test per alert channel."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def all_commands(group, prefix=""):
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        if hasattr(command, "commands"):
            yield from all_commands(command, full + " ")
        else:
            yield full, command


def test_every_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    runner = CliRunner()
    for name, command in all_commands(cli):
        assert command.help, f"monitor {name} has no help text"
        result = runner.invoke(cli, [*name.split(), "--help"])
        assert result.exit_code == 0, name
        assert f"monitor {name}" in readme, f"monitor {name} is not documented in README.md"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_spiders_or_alerts_except_the_cli():
    for path in (ROOT / "monitor").rglob("*.py"):
        if path.name == "cli.py":
            continue
        bad = imported_modules(path) & {"spiders", "alerts"}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_every_alert_channel_has_a_test():
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_alerts*.py"))
    from monitor.config import AlertSettings, EmailSettings, FileChannelSettings, SlackSettings

    every = AlertSettings(email=EmailSettings("h", ("t@x",), "f@x"), slack=SlackSettings("E"),
                          file=FileChannelSettings(ROOT))
    channels = every.channels
    assert len(channels) == 3
    for channel in channels:
        assert re.search(rf"\b{channel}\b", tests), f"no alert test mentions the {channel} channel"


def test_every_module_says_its_job_in_its_first_line():
    for package in ("monitor", "spiders", "alerts"):
        for path in (ROOT / package).rglob("*.py"):
            docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
            assert docstring and docstring.strip(), f"{path.relative_to(ROOT)} has no module docstring"
