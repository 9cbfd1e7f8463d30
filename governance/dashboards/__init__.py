"""ダッシュボード: one page per role (NEXT_WAVE §C.5), each a handful of widgets counted in SQL
(at most 10 queries whatever the number of cases) and drawn as small SVG charts.

``permissions``: which dashboards a user may open; ``charts``: the charts' geometry (pure);
``selectors_*``: each role's widgets, scoped by ``governance.permissions``; ``exports``: the
lock-in, coverage and season reports as .xlsx; ``views``: the pages.
"""
