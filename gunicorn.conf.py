"""gunicorn settings for web (docker-compose, Dockerfile, .ci/smoke-production).

gunicorn reads this file from the working directory by itself. Request
lines and headers are bounded here; the body by the front proxy
(client_max_body_size) and by Django (MAX_REQUEST_MB, see worq/settings.py).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = 60
graceful_timeout = 30
accesslog = "-"
# Bounds on what is read before Django sees the request.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
