"""Clocks as data: every deadline (a legal report, an approval's expiry, a condition's due date,
an internal service level) is a ``Deadline`` row, started, met, waived, cancelled and
rescheduled through ``services``, watched by one periodic ``runner`` and read for the case page
and the inbox through ``selectors``. See docs/DEVELOPING.md, "Clocks"."""
