"""gunicorn settings for Shinsa in production: ``gunicorn governance.wsgi`` from the checkout
reads this file by itself (or name it: ``gunicorn -c gunicorn.conf.py``).

Sized for the 2-core machine the product runs on (README, "Running in production"):

* 3 worker processes. A request is mostly Python (templates, permission queries, Word and
  Excel work) holding its process's GIL, so processes are what use both cores; one more
  than the cores keeps both busy while a process collects garbage or waits on the disk.
  A process is about 90 MB resident after its first pages (the CI smoke test prints it);
  ``max_requests`` recycles it before large imports or documents have grown it for good.
* 4 threads each (``gthread``). The rest of a request is waiting on PostgreSQL, on a file
  or on a slow client's upload; threads cover that wait without another process, so 12
  requests are in flight at once.
* Every thread keeps one PostgreSQL connection (``CONN_MAX_AGE``, checked before reuse):
  3 × 4 = 12 connections per web server, which PostgreSQL's default ``max_connections``
  of 100 (97 after the superuser reserve) bears with room for Celery and more servers.

``WEB_CONCURRENCY`` and ``GUNICORN_THREADS`` override the two numbers on a bigger machine;
keep workers × threads × web servers + Celery processes under ``max_connections``.
"""

from __future__ import annotations

import os

wsgi_app = "governance.wsgi:application"
# Behind the TLS-terminating proxy on the same machine; pass --bind to listen elsewhere.
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Load Django once in the master: a misconfigured environment stops start-up with its
# message instead of every worker failing to boot in turn, and workers share the memory.
preload_app = True
# A worker that stops answering gunicorn's heartbeat for this long is replaced. In gthread
# workers the heartbeat does not wait for requests, so this is not a request time limit.
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200

# gunicorn's control socket (gunicornc) defaults to one path in the home directory, shared by
# every gunicorn of that user; Shinsa is managed by its service manager and signals instead.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# The heartbeat file lives in memory where there is /dev/shm: on a disk-backed /tmp a slow
# disk can stall the heartbeat and get healthy workers killed.
if os.path.isdir("/dev/shm"):  # noqa: S108  (the kernel's memory file system, not a temp file)
    worker_tmp_dir = "/dev/shm"  # noqa: S108
