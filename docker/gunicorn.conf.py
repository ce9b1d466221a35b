"""gunicorn settings for the web container (see docker/Dockerfile)."""

import multiprocessing
import os

bind = "0.0.0.0:8000"
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# Requests come through the reverse proxy; it sets X-Forwarded-* (see docs/deployment.md).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "*")
# Requests are recycled now and then so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200

# One JSON line per request on standard output: the path without its query string and no
# client address, so neither search terms nor personal data reach the logs; the request id
# ties the line to the application's own log lines.
accesslog = "-"
access_log_format = (
    '{"time": "%(t)s", "logger": "gunicorn.access", "method": "%(m)s", "path": "%(U)s", '
    '"status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s, '
    '"request_id": "%({x-request-id}o)s"}'
)
errorlog = "-"
# No control socket: nothing in the container manages gunicorn through it.
control_socket_disable = True
