import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fipe.settings")
try:
    application = get_wsgi_application()
except ImproperlyConfigured as error:
    # gunicorn would print a traceback; the operator needs the variable's name.
    sys.stderr.write(f"Configuration error: {error}\n")
    sys.exit(2)
