"""CSV cells a spreadsheet will not run: formula prefixes neutralised on export, restored on import."""

from __future__ import annotations

# Excel, LibreOffice and Google Sheets treat a cell starting with one of these as a formula
# (=HYPERLINK(...) can send other cells to an attacker's site); tab and CR hide the prefix.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: object) -> object:
    """A text cell that a spreadsheet would read as a formula, prefixed with ' (OWASP's advice)."""
    if isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES):
        return "'" + cell
    return cell


def restore(cell: str) -> str:
    """The value `neutralise` protected, for reading back a CSV this tool wrote."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_PREFIXES):
        return cell[1:]
    return cell
