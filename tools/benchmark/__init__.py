"""The national-scale benchmark behind `manage.py benchmark` (see tools/benchmark/management/commands/benchmark.py).

safety: which databases the benchmark may wipe; dataset: the national dataset, written with COPY;
pages: server time, queries and bytes of public pages in-process; importing: the portal's validated import
against PostgreSQL's COPY; serving: gunicorn and wrk; report: the printed table and the JSON.
"""
