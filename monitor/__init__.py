"""mention-monitor: find the people you track in the news, alert once, archive for Datasette."""

from .archive.store import Archive
from .config import Config, load_config
from .errors import ConfigError, LockedError, MonitorError
from .items import Article, Mention, Person
from .match import compile_watchlist, find_mentions

__all__ = [
    "Archive",
    "Article",
    "Config",
    "ConfigError",
    "LockedError",
    "Mention",
    "MonitorError",
    "Person",
    "compile_watchlist",
    "find_mentions",
    "load_config",
]
