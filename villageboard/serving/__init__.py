"""The development server: preview builds with errors shown over the last good page."""
