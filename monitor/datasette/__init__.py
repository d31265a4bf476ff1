"""Bundled Datasette metadata and canned queries for `monitor serve`."""
