"""The environment variables the settings read (``actions_catalog/config/settings.py``), in one list.

Tools that start the project in child processes with settings of their own (``make bench``, ``make loadtest``)
drop every inherited one first, so that a developer's shell cannot change what they measure.
``tests/test_environment.py`` checks that the list follows the settings.
"""

SETTINGS_VARIABLES = (
    "ALLOWED_HOSTS",
    "ATTACHMENTS_PER_ACTION",
    "ATTACHMENT_MAX_BYTES",
    "AUTOSAVES_PER_HOUR",
    "AUTOSAVE_MAX_BYTES",
    "AXES_COOLOFF_TIME",
    "AXES_FAILURE_LIMIT",
    "CACHE_URL",
    "CATALOGUE_INDEX_INLINE",
    "CATALOGUE_MAX_IMPORT_SIZE",
    "CATALOGUE_MAX_UPLOAD_SIZE",
    "CONN_MAX_AGE",
    "CONTACT_MESSAGES_PER_CENTRE",
    "CONTACT_MESSAGES_PER_SENDER",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_REPLICA_URL",
    "DATABASE_URL",
    "DEBUG",
    "DEFAULT_FROM_EMAIL",
    "DJANGO_SETTINGS_MODULE",
    "DOWNLOADS_ACCEL_PREFIX",
    "DOWNLOADS_SERVE",
    "EMAIL_URL",
    "ENV_FILE",
    "ERROR_REPORTS_PER_HOUR",
    "FEDERATION_CONTACT_EMAIL",
    "HTTPS",
    "INVITATIONS_PER_DAY",
    "JOBS_HEARTBEAT_SECONDS",
    "JOBS_LEASE_SECONDS",
    "JOBS_NICENESS",
    "JOBS_WORK_SHARE",
    "LOG_LEVEL",
    "MEDIA_ROOT",
    "SECRET_KEY",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_HSTS_SECONDS",
    "SITE_URL",
    "STATIC_ROOT",
    "SUBMISSIONS_PER_HOUR",
    "TRUSTED_PROXY_COUNT",
    "TRUST_X_FORWARDED_PROTO",
    "VISITOR_PAGES_GRACE_SECONDS",
    "VISITOR_PAGES_SECONDS",
)


def without_settings_variables(environ) -> dict[str, str]:
    """A copy of ``environ`` without any variable the settings read."""
    return {key: value for key, value in environ.items() if key not in SETTINGS_VARIABLES}
