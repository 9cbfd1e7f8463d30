"""Integration keys: hashed keys a monitoring service's system uses to reach the API, issued by
two administrators, rotated with a grace period, revoked for good (``services``)."""
