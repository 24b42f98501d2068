"""Test settings: Kaoping's own, with fast hashing, jobs run inline and plain static files."""

import os
import tempfile

os.environ.setdefault("KAOPING_DATA_DIR", tempfile.mkdtemp(prefix="kaoping-test-"))
os.environ.setdefault("KAOPING_SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 20)

from kaoping.settings import *  # noqa: F403
from kaoping.settings import DATA_DIR, HUEY

DEBUG = False
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
HUEY = {**HUEY, "immediate": True}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "zh-hans"

# Parallel runs (a developer's and CI's, or two helpers') must not share a PostgreSQL test
# database: name it after the process.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": f"test_kaoping_{os.getpid()}"}  # noqa: F405

STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
