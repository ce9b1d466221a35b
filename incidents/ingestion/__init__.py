"""Taking in outside feeds: sources (I/O), parsers (pure), services (validate and upsert)."""
