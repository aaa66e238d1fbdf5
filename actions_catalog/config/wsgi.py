"""The WSGI application: gunicorn's entry point (``make serve``), and what the benchmark calls in-process.

Once Django is set up and its URL configuration loaded (settings, apps, models, views), all of that lives as long as
the process. ``gc.freeze()`` moves it out of the cyclic collector's reach, so that a full collection, which would
otherwise walk it every few dozen requests (about 60 ms at 120,000 objects, measured in ``make bench``), only walks
what requests leave behind.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "actions_catalog.config.settings")

application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 (imports every view module now, before the freeze)
gc.freeze()
