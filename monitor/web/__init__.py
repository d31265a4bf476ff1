"""The archive on the web: `monitor serve` (Datasette), its Host guard, metadata, pages and plugin."""
