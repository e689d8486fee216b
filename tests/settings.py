"""Test settings: the product settings, with an isolated var/ directory and
fast password hashing. DATABASE_URL and REDIS_URL still choose the real
PostgreSQL and Redis when set."""

import os
import tempfile

os.environ.setdefault("WORQ_VAR_DIR", tempfile.mkdtemp(prefix="worq-test-"))
# Playwright's sync API runs an event loop in the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from worq.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests run tasks in-process; the broker tests switch to the real worker.
CELERY_TASK_ALWAYS_EAGER = True
SITE_URL = "http://testserver"
# No model in tests: hashed character n-grams stand in for sentence vectors
# (one test loads the real model, tests/consultations/test_embeddings.py).
EMBEDDINGS_BACKEND = "hashing"

# Tests run with DEBUG off, where WhiteNoise warns of a missing STATIC_ROOT
# (in production, collectstatic makes it): the tests' own var/ has one.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# Pages are rendered afresh in tests; tests/worq/test_pagecache.py turns the cache on.
WORQ_VISITOR_CACHE_SECONDS = 0
# The same for the data kept for signed-in people; tests/worq/test_datacache.py turns it on.
WORQ_DATA_CACHE_SECONDS = 0
