"""Settings for the catalogue of social-centre actions.

Everything that differs between machines comes from the environment (read through django-environ,
and from the file named by ``ENV_FILE``, ``.env`` in the project folder by default; real environment
variables win): ``DATABASE_URL`` (the embedded PostgreSQL of ``config/embedded_db.py`` when unset),
``SECRET_KEY``, ``DEBUG``, ``ALLOWED_HOSTS``. A development secret and default hosts are only accepted while
``DEBUG`` is on; with ``DEBUG`` off (the default) the site refuses to start without them. The production block
at the end (HTTPS, security headers, static files, cache, read replica) is described in the README, "Production".
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from actions_catalog.config import embedded_db

BASE_DIR = Path(__file__).resolve().parent.parent.parent


class Env(environ.Env):
    """django-environ's reader, with a clear message for a number that is not one (``JOBS_NICENESS=abc`` named the
    variable nowhere: a bare ``ValueError``)."""

    NUMBERS = {int: "a whole number", float: "a number"}

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ValueError:
            if cast not in self.NUMBERS:
                raise
            raise ImproperlyConfigured(f"{var} must be {self.NUMBERS[cast]}, not {self.ENVIRON.get(var)!r}.") from None


env = Env()
ENV_FILE = Path(env.str("ENV_FILE", default=str(BASE_DIR / ".env")))
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not ALLOWED_HOSTS and not DEBUG:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS must be set when DEBUG is off: the host names the site answers to, comma-separated "
        "(ALLOWED_HOSTS=catalogue.example.org)."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "actions_catalog.jobs",
    "centres",
    "actions_catalog.core",
    "actions_catalog.catalogue",
    "actions_catalog.members",
    "actions_catalog.backoffice",
    "actions_catalog.editorial",
    "actions_catalog.follows",
    "importers",
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
    # Private pages, API headers and errors, overlong query strings (actions_catalog/config/security.py).
    "actions_catalog.config.security.SiteRulesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "actions_catalog.config.urls"

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
                "actions_catalog.editorial.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "actions_catalog.config.wsgi.application"

# PostgreSQL only. Without DATABASE_URL, the project-local embedded server (config/embedded_db.py), started on
# the first connection; DATABASE_URL selects any other server (production, CI).
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    DATABASES = {
        "default": {
            "ENGINE": "actions_catalog.config.embedded_backend",
            "NAME": embedded_db.DATABASE_NAME,
            "USER": embedded_db.USER,
        }
    }
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A connection kept between requests is checked before reuse: a database restart costs no error page.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))

IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# -- Admin curation (imports, exports, uploads) -------------------------------------------------------
# Import and export from the admin need their own permissions: ``<app>.import_<model>`` and
# ``<app>.export_<model>`` (declared in each model's Meta.permissions).
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_USE_TRANSACTIONS = True
#: Scraped text may hold control characters that XLSX cannot store: replace them rather than fail the export.
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True
#: Largest file accepted by an upload form of the admin (sheet files, CSV/XLSX/JSON imports).
CATALOGUE_MAX_UPLOAD_SIZE = env.int("CATALOGUE_MAX_UPLOAD_SIZE", default=10 * 1024 * 1024)
#: Largest file the admin's import of actions accepts (run as a background job: a 100,000-sheet file is ~400 MB).
CATALOGUE_MAX_IMPORT_SIZE = env.int("CATALOGUE_MAX_IMPORT_SIZE", default=1024 * 1024 * 1024)
#: An uploaded XLSX (a zip archive) is refused before parsing beyond these declared limits.
CATALOGUE_XLSX_MAX_ENTRIES = 200
CATALOGUE_XLSX_MAX_UNCOMPRESSED_SIZE = 50 * 1024 * 1024

# -- Background jobs (actions_catalog/jobs/): django-tasks on its PostgreSQL backend, run by `manage.py run_jobs` --
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
#: How often a running job's worker says it is alive, and after how long without a sign its job is taken back.
JOBS_HEARTBEAT_SECONDS = env.float("JOBS_HEARTBEAT_SECONDS", default=5.0)
JOBS_LEASE_SECONDS = env.float("JOBS_LEASE_SECONDS", default=60.0)
#: How much a worker lowers its CPU priority (nice), so that on a machine shared with an app server requests come
#: first; 0 on a machine of its own changes nothing.
JOBS_NICENESS = env.int("JOBS_NICENESS", default=10)
if not 0 <= JOBS_NICENESS <= 19:
    raise ImproperlyConfigured("JOBS_NICENESS must be between 0 (unchanged priority) and 19 (the lowest).")
#: The share of its time a long build (a download file) works: after each chunk it pauses in proportion, so that
#: its queries, which no niceness reaches, leave room to the requests; 1 on a machine of its own never pauses.
JOBS_WORK_SHARE = env.float("JOBS_WORK_SHARE", default=0.5)
if not 0 < JOBS_WORK_SHARE <= 1:
    raise ImproperlyConfigured("JOBS_WORK_SHARE must be more than 0 and at most 1 (1: never pauses).")

#: Build the catalogue index in the request's process when the catalogue changed (the tests), instead of loading
#: the newest index a worker stored (production: requests never build it; see actions_catalog/catalogue/index.py).
CATALOGUE_INDEX_INLINE = env.bool("CATALOGUE_INDEX_INLINE", default=False)
#: Seconds a public page rendered for visitors is kept for the same address and catalogue version
#: (actions_catalog/catalogue/visitor_pages.py); 0: never kept.
VISITOR_PAGES_SECONDS = env.int("VISITOR_PAGES_SECONDS", default=60)
if VISITOR_PAGES_SECONDS < 0:
    raise ImproperlyConfigured("VISITOR_PAGES_SECONDS must be 0 (pages never kept) or more.")
#: Seconds a page kept at a catalogue version is still served after a newer index replaced it, so that a burst of
#: versions does not render every kept page again at each (visitor_pages.py); 0: the newest version's pages only.
VISITOR_PAGES_GRACE_SECONDS = env.int("VISITOR_PAGES_GRACE_SECONDS", default=3)
if VISITOR_PAGES_GRACE_SECONDS < 0:
    raise ImproperlyConfigured("VISITOR_PAGES_GRACE_SECONDS must be 0 (the newest version's pages only) or more.")

#: How finished download files are served (actions_catalog/catalogue/downloads.py): "file" (FileResponse, sent by
#: gunicorn with sendfile), "redirect" (to the storage's URL: S3-compatible storages) or "accel" (X-Accel-Redirect
#: to DOWNLOADS_ACCEL_PREFIX, an nginx `internal` location aliasing MEDIA_ROOT).
DOWNLOADS_SERVE = env.str("DOWNLOADS_SERVE", default="file")
DOWNLOADS_ACCEL_PREFIX = env.str("DOWNLOADS_ACCEL_PREFIX", default="/fichiers-internes/")
if DOWNLOADS_SERVE not in ("file", "redirect", "accel"):
    raise ImproperlyConfigured("DOWNLOADS_SERVE must be file, redirect or accel.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# -- Accounts, submissions and moderation (centre staff, federation moderators) ---------------------------
# Login attempts are counted by django-axes: after AXES_FAILURE_LIMIT failures for one username from one
# address, that pair is locked out for AXES_COOLOFF_TIME hours (HTTP 429, French page).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_TIME", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "espace:dashboard"
LOGOUT_REDIRECT_URL = "home"

#: The federation's contact address: the Contact page and every « écrivez-nous » of the site show it.
FEDERATION_CONTACT_EMAIL = env.str("FEDERATION_CONTACT_EMAIL", default="contact@centres-sociaux.example")

#: The public address of the site, for the links in e-mails sent outside a request (invitations).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# E-mail: the console by default; SMTP with EMAIL_URL=smtp://user:password@host:587 (or smtp+tls://…).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Catalogue des centres sociaux <catalogue@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Uploaded attachments live under MEDIA_ROOT and are only served by a view that checks publication:
# no MEDIA_URL is routed.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENTS_PER_ACTION = env.int("ATTACHMENTS_PER_ACTION", default=5)
#: How many new actions and sends for validation one member may make in an hour.
SUBMISSIONS_PER_HOUR = env.int("SUBMISSIONS_PER_HOUR", default=20)
#: The sheet form's autosaves (one a minute while typing): their largest size (a full sheet at the form's limits
#: fits), and how many one member may make in an hour (two forms open at once).
AUTOSAVE_MAX_BYTES = env.int("AUTOSAVE_MAX_BYTES", default=1_000_000)
AUTOSAVES_PER_HOUR = env.int("AUTOSAVES_PER_HOUR", default=150)
#: How many colleagues one member may invite to their centres in a day.
INVITATIONS_PER_DAY = env.int("INVITATIONS_PER_DAY", default=10)

#: How many errors one client address may report (« Signaler une erreur ») in an hour.
ERROR_REPORTS_PER_HOUR = env.int("ERROR_REPORTS_PER_HOUR", default=5)

#: « Contacter le centre » (actions_catalog/core/contact.py): messages a day from one sender's address, and to one
#: centre, counted in the database.
CONTACT_MESSAGES_PER_SENDER = env.int("CONTACT_MESSAGES_PER_SENDER", default=5)
CONTACT_MESSAGES_PER_CENTRE = env.int("CONTACT_MESSAGES_PER_CENTRE", default=20)

# -- Production: HTTPS, security headers, static files, cache, read replica ------------------------------
# Every value comes from the environment with a safe default: with DEBUG off the site assumes HTTPS.
# The documented production environment is `production.env.example`; `manage.py check --deploy` passes
# with it (tests/security/test_production.py runs it).

#: The site is served over HTTPS (by the proxy in front of gunicorn). Drives the redirect, secure cookies and HSTS.
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# Only behind a proxy that sets X-Forwarded-Proto itself (and drops the client's): trusting it otherwise
# would let any client claim HTTPS.
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
#: How many proxies in front of gunicorn append to X-Forwarded-For (0: clients connect directly). django-axes
#: counts failed logins per client address: behind proxies it must read it there (actions_catalog/security.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "actions_catalog.config.security.client_ip"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preloading is a commitment that is slow to undo (browsers ship the list): off unless asked for.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Content Security Policy (django-csp 4): only this origin's files, no inline script or style anywhere
# (tests/security/test_headers.py checks the pages, the admin's included).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Static files: WhiteNoise serves them from gunicorn. With DEBUG off they are hashed and compressed by
# `collectstatic` (run by `make serve`), so they can be cached for ever.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

#: The cache every server process shares: by default a PostgreSQL table (catalogue migration 0002), so that a page
#: kept for visitors (catalogue/visitor_pages.py) is rendered once per address and catalogue version for all
#: processes and servers, with no other server to run; CACHE_URL=redis://… for Redis.
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://catalogue_cache?max_entries=5000")}

# An optional PostgreSQL read replica: read-only public pages read the catalogue from it.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"].setdefault("CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["actions_catalog.config.replicas.ReplicaRouter"]
    MIDDLEWARE.append("actions_catalog.config.replicas.ReplicaReadsMiddleware")
