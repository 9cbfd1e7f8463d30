"""The API's serializers: read-only (``governance.api.formats.ReadOnlySerializer``)."""
