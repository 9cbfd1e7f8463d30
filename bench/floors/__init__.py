"""Bare implementations the benchmarks compare Shinsa with (the floors): a bare viewflow flow
with the budget check's nodes, bare views with the minimal SQL for the inbox and the case
list, and a bare Celery task. A Django app only so that viewflow can name the bare flow."""
