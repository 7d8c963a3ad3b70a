"""WSGI entry point (``qunguan serve`` and production servers use ``application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qunguan.settings")
application = get_wsgi_application()
