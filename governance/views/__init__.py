"""Domain pages (home, cases, audit trail, jobs).

Thin: parse, call a selector or service, render.
"""
