"""gunicorn settings for `jointcredit serve --production` (override with GUNICORN_* env vars)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
# Tokens travel in headers only, never in the URL, so the access log holds no secrets.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss rid=%({x-request-id}o)s'
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
