"""monitor.toml and the people CSV -> frozen dataclasses, validated up front.

`model` holds the dataclasses, `read` turns the files into them, `validate` the typed
getters whose errors name the file, line and key.
"""

from .model import (
    DEFAULT_USER_AGENT,
    SEARCH_SERVICES,
    AlertSettings,
    AppriseSettings,
    ArchiveSettings,
    ClusterSettings,
    Config,
    CrawlSettings,
    EmailSettings,
    EvidenceSettings,
    FeedSource,
    FileChannelSettings,
    SearchSource,
    SitemapSource,
    SiteSource,
    SlackSettings,
)
from .read import load_config, resolve_config_path

__all__ = [
    "DEFAULT_USER_AGENT", "SEARCH_SERVICES", "AlertSettings", "AppriseSettings", "ArchiveSettings", "ClusterSettings",
    "Config", "CrawlSettings", "EmailSettings", "EvidenceSettings", "FeedSource", "FileChannelSettings", "SearchSource",
    "SiteSource", "SitemapSource", "SlackSettings", "load_config", "resolve_config_path",
]
