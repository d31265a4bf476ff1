"""The library's own exceptions; only the CLI turns them into messages and exit codes."""


class MonitorError(Exception):
    """Anything the monitor reports to a user as a failure (exit 1)."""


class ConfigError(MonitorError):
    """An invalid config or people file; the message names the file, line and key (exit 2)."""


class LockedError(MonitorError):
    """Another run holds the archive's lock (exit 75)."""
