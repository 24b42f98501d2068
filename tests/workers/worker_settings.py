"""Settings of the consumer subprocesses the worker tests start: Kaoping's own (database,
queue and queue name from the environment the tests pass), plus the test app whose
`tasks` module holds the probe job, and no Redis cache (only the queue is shared)."""

from kaoping.settings import *  # noqa: F403
from kaoping.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.workers"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
