"""Print a pip constraints file pinning every dependency in pyproject.toml to its declared floor.

`pip install -c <(python .ci/min_constraints.py) -e '.[test]'` then proves the floors true:
if the code needs something newer than a `>=X` says, the suite fails on the minimums.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

# name[extras] >=X[,<Y] ; marker
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*?)\s*(;.*)?$")
FLOOR = re.compile(r">=\s*([0-9][^,\s]*)")


def floors(pyproject: Path, extras: list[str]) -> list[str]:
    """`name==floor ; marker` for every requirement with a `>=` floor, in declaration order."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project.get("dependencies", []))
    for extra in extras:
        requirements += project.get("optional-dependencies", {}).get(extra, [])
    pins = []
    for requirement in requirements:
        match = REQUIREMENT.match(requirement)
        if not match:
            sys.exit(f"{pyproject}: cannot read requirement {requirement!r}")
        name, _extras, specifier, marker = match.groups()
        floor = FLOOR.search(specifier or "")
        if not floor:
            sys.exit(f"{pyproject}: {name} has no >= floor; CI cannot test its minimum")
        pins.append(f"{name}=={floor.group(1)}" + (f" {marker}" if marker else ""))
    return pins


def main(argv: list[str]) -> None:
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    extras = argv or ["test"]
    print("\n".join(floors(pyproject, extras)))


if __name__ == "__main__":
    main(sys.argv[1:])
