"""Where the data lives (engine, models, migrations), how it is proved (history, anchors), how it is kept (backups)."""
