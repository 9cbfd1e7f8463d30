from typing import Any

from django.conf import settings


def shinsa(request: Any) -> dict[str, Any]:
    return {"SHINSA_DEBUG": settings.DEBUG}
