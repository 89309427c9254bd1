"""Settings of FIPE, read from the environment.

One module for every place the application runs. Production is the default:
`DEBUG` must be switched on explicitly, and then only the development
conveniences (a throw-away secret key, SQLite) are allowed.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

TRUTHY = {"1", "true", "yes", "on"}
FALSY = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUTHY:
        return True
    if value in FALSY:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off).")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_env() -> dict:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    try:
        config = dj_database_url.parse(url, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")))
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL ({error}).") from None
    engine = config.get("ENGINE", "")
    if engine not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise ImproperlyConfigured("DATABASE_URL must start with postgres:// or sqlite:///.")
    if not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL names no database.")
    if engine == "django.db.backends.sqlite3":
        # Without a busy timeout, two writers (the web server and the task worker) fail at once.
        config["OPTIONS"] = {"timeout": 20}
        config["CONN_MAX_AGE"] = 0
    else:
        # Parameters bound by the server and a query run twice on a connection prepared: PostgreSQL then
        # plans it once per connection rather than on every request. Planning a detail page's seven joins
        # takes 2 ms, running them 0.1 ms. (Django leaves it off for transaction-pooling proxies, which
        # this deployment does not use: connections are the app's own, kept CONN_MAX_AGE seconds.)
        config["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 2}
    # A connection the server dropped (restart, failover, idle timeout) is replaced before the
    # request uses it, rather than failing that request with a 500.
    config["CONN_HEALTH_CHECKS"] = True
    return config


DEBUG = env_bool("DEBUG", False)
# Django's debug pages for errors (404 with the URL patterns, tracebacks) instead of the French
# pages users meet; off by default, even with DEBUG on, so that `make run` shows the real site.
FIPE_DEBUG_ERROR_PAGES = env_bool("FIPE_DEBUG_ERROR_PAGES", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-used-in-production"
elif not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured("SECRET_KEY is too weak for production: use at least 50 random characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the site's host names when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # dsfr before django.forms: its radio and checkbox templates must override Django's defaults.
    "dsfr",
    "django.forms",
    "widget_tweaks",
    "django_filters",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    "axes",
    # Not "rest_framework": see projects/exchange/api/errors.py.
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "fipe",
    "departments",
    "projects",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's LoginRequiredMiddleware, keeping what a user posts after their session expired.
    "fipe.middleware.LoginRequiredKeepingInput",
    # Who acts, for the journal's entries whose model does not say (memberships, signatories).
    "projects.journal.context.ActorMiddleware",
    "fipe.middleware.NoStoreMiddleware",
    # With DEBUG on, the French error pages rather than Django's debug pages; after DiskFullMiddleware
    # in the answer to an exception, so that a full disk still gets its own page.
    "fipe.middleware.ProductionErrorPages",
    "fipe.middleware.DiskFullMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (fipe/security.py): five failures for one account from one address lock
# that account from that address for 15 minutes; LOGIN_ADDRESS_FAILURE_LIMIT failures from one
# address, whatever the accounts (one password sprayed over many), lock the address;
# LOGIN_ACCOUNT_FAILURE_LIMIT failures on one account, whatever the addresses, lock that account
# except from the addresses its owner has signed in from.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "fipe.security.LoginThrottle"
AXES_CLIENT_IP_CALLABLE = "fipe.security.client_ip"
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
LOGIN_ACCOUNT_FAILURE_LIMIT = int(os.environ.get("LOGIN_ACCOUNT_FAILURE_LIMIT", "20"))
# Addresses or networks of the reverse proxies in front of the application (e.g. 127.0.0.1,
# 10.0.0.0/8): only they are believed when they say, in X-Forwarded-For, who the client is.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The address of the team that manages FIPE's accounts, given on the lockout page.
FIPE_SUPPORT_EMAIL = os.environ.get("FIPE_SUPPORT_EMAIL", "")

ROOT_URLCONF = "fipe.urls"
WSGI_APPLICATION = "fipe.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fipe.context_processors.site",
                "departments.sessions.session_clock",
                "fipe.navigation.navigation",
            ],
        },
    },
]
# Templates from templates/ and the apps; the commonest widgets written in Python (fipe/renderers.py).
FORM_RENDERER = "fipe.renderers.FipeRenderer"

DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 9}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French"))]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files are private: they are never served from a public URL, only through
# views that apply the scope rules, so MEDIA_URL is deliberately not routed.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "fipe.storage.CleanFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "fipe.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Electronic signature of the documents (projects.letters.signing). The keys and their passwords live
# in this folder (or the passwords in FIPE_SIGNING_PASSWORD_<KEY> variables), never in the database.
SIGNING_KEYS_DIR = Path(os.environ.get("SIGNING_KEYS_DIR", BASE_DIR / "signing"))
# A time-stamping authority (RFC 3161): when set, signatures are PAdES B-T instead of B-B.
SIGNING_TSA_URL = os.environ.get("SIGNING_TSA_URL", "")
# The public address printed (and QR-coded) on every document, and the links in e-mails.
SITE_URL = os.environ.get(
    "SITE_URL", "http://127.0.0.1:8000" if DEBUG or not ALLOWED_HOSTS else f"https://{ALLOWED_HOSTS[0]}"
).rstrip("/")
VERIFY_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
# E-mail: the outbox's messages leave through the SMTP server of EMAIL_URL
# (smtp://user:password@host:587/?tls=True, smtps:// for implicit TLS), delivered by the task worker.
# Without it: the console in development, the local mail server (port 25) in production.
EMAIL_URL = os.environ.get("EMAIL_URL", "console://" if DEBUG else "smtp://localhost:25")
try:
    _email = dj_email_url.parse(EMAIL_URL)
except Exception as error:
    raise ImproperlyConfigured(f"EMAIL_URL is not a valid e-mail URL ({error}).") from None
if "EMAIL_BACKEND" not in _email:
    raise ImproperlyConfigured("EMAIL_URL must start with smtp://, smtps://, console:// or file://.")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST, EMAIL_PORT = _email["EMAIL_HOST"], _email["EMAIL_PORT"]
EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_USER"], _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS, EMAIL_USE_SSL = _email["EMAIL_USE_TLS"], _email["EMAIL_USE_SSL"]
# A server that does not answer must not hold the worker for long: the message waits and is retried.
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"] or 20
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "FIPE — Préfecture de la région Occitanie <ne-pas-repondre@fipe.example.gouv.fr>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A letter larger than this is sent as a link rather than attached.
NOTIFICATION_ATTACHMENT_MAX_BYTES = int(os.environ.get("NOTIFICATION_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))
# Where the demo's SMTP sink (make run) stores what it receives, shown on « Courriels envoyés » when DEBUG is on.
DEMO_MAIL_DIR = Path(os.environ.get("DEMO_MAIL_DIR", BASE_DIR / "var" / "mail"))

# No inline script or style, no third-party origin: every asset is served from our static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Sessions are read from a cache and written through to the database (`cached_db`), so a signed-in
# page costs no query for its session. The cache is Redis when REDIS_URL is set (several servers or
# workers share it; needs the `redis` package). Without it: process memory when DEBUG is on (`make run`
# and the tests: one process), and otherwise files under FIPE_CACHE_DIR, which the workers of one machine
# share — a cache private to each worker would keep a session another worker signed out.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
elif DEBUG:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "fipe.cache.FileCache",
            "LOCATION": os.environ.get("FIPE_CACHE_DIR", str(BASE_DIR / "var" / "cache")),
            # One file a signed-in user: room for every session of a working day before culling.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
# The parts of the layout that depend on nothing but the language and the release (templates/base.html):
# each process renders them once. They never hold data, so no process needs to see another's.
CACHES["layout"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "layout"}
# Dashboards' figures and each user's scope are kept in that cache while the data is unchanged
# (fipe/freshness.py): only a cache every process shares, since any process may change the data.
FIPE_FRAGMENT_CACHE = env_bool("FIPE_FRAGMENT_CACHE", "LocMemCache" not in CACHES["default"]["BACKEND"])
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

DSFR_MARK_OPTIONAL_FIELDS = True

# The read-only API (/api/v1/): tokens of service accounts, JSON only, throttled per token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "projects.exchange.api.authentication.TokenAuthentication",
        # A signed-in user may read the API from the documentation page; GET only, so no CSRF concern.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["projects.exchange.api.authentication.TokenRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "projects.exchange.api.errors.exception_handler",
}
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "600/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "API FIPE",
    "DESCRIPTION": "Lecture seule des appels à projets, dossiers, décisions et données ouvertes du FIPE.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Without deep links, Swagger UI nests no link inside its operation buttons (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStatusEnum": "projects.enums.Status",
        "CallStatusEnum": "projects.enums.CallStatus",
    },
}

# A time-stamping authority (RFC 3161) for `manage.py journal_anchor`; none by default.
JOURNAL_TSA_URL = os.environ.get("JOURNAL_TSA_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        # Marianne's CFF table has no ROS entry, which pyHanko notes for every signature it draws.
        "pyhanko.pdf_utils.font": {"level": "ERROR"},
    },
}
