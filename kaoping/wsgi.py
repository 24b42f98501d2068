"""WSGI entry point (gunicorn kaoping.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaoping.settings")
application = get_wsgi_application()
