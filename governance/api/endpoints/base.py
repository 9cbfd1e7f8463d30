"""What every API endpoint shares: read-only, throttled as ``read``, scoped by the selectors."""

from __future__ import annotations

from typing import Any

from rest_framework import generics
from rest_framework.exceptions import ValidationError

from governance.api.access import calling_key


class ReadEndpoint(generics.GenericAPIView):
    throttle_scope = "read"
    #: The scope a key needs here; None: people only.
    key_scope: str | None = None
    #: Validates the list's query parameters (a ``ReadOnlySerializer``).
    filter_serializer_class: Any = None

    @property
    def key(self) -> Any:
        return calling_key(self.request)

    def filters(self) -> dict[str, Any]:
        if self.filter_serializer_class is None:
            return {}
        serializer = self.filter_serializer_class(data=self.request.query_params)
        if not serializer.is_valid():
            raise ValidationError(serializer.errors)
        return dict(serializer.validated_data)


class ListEndpoint(ReadEndpoint, generics.ListAPIView):
    pass


class DetailEndpoint(ReadEndpoint, generics.RetrieveAPIView):
    pass
