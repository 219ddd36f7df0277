"""Where the engine keeps state: the cache interface, memory/SQLite/Redis stores, artefacts."""
