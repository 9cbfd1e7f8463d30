"""CSIRT incident handling: security events (通報), incidents, their tasks, timeline and
observables (NEXT_WAVE §B)."""
