"""The only write path. One module per entity; every function is keyword-only, takes ``actor``,
runs in one transaction, checks permission itself and records its audit event."""
