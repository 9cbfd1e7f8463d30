"""The read-only REST API at ``/api/v1/`` (DRF), its schema and docs; see docs/DEVELOPING.md,
"The REST API"."""
