"""gunicorn settings, read from the working directory (or `gunicorn -c /path/gunicorn.conf.py`).

Command-line flags win over these values (`make run` passes --workers 1 --threads 8).
`on_starting` refuses several workers with a per-process rate limiter (app.ops.serving):
the master builds the app once, as the workers will, and stops before binding or forking.
"""

import multiprocessing
import os

bind = os.environ.get("SODIENTU_BIND", "127.0.0.1:8000")
# sync workers = cores: requests are short and CPU-bound (threads added nothing on 2 cores)
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "sync"
timeout = 60
graceful_timeout = 30
accesslog = "-"
# the proxy (nginx on the same host) is the only source of X-Forwarded-* headers
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):  # type: ignore[no-untyped-def]
    from app import create_app
    from app.ops import serving

    try:
        message = serving.refusal(create_app().config, server.cfg.workers)
    except serving.ServingRefused as refused:  # create_app's own guard saw the same
        message = str(refused)
    if message:
        server.log.error(message)
        raise SystemExit(3)
