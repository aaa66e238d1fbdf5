"""Production mode: DEBUG off by default, required secrets, the documented environment passes check --deploy."""

from tests.security.conftest import STRONG_SECRET

SECURITY_SETTINGS = [
    "DEBUG",
    "TRUSTED_PROXY_COUNT",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "STORAGES",
]


def test_without_a_secret_key_the_site_refuses_to_start(run_django):
    process = run_django("check", ALLOWED_HOSTS="catalogue.example.org")

    assert process.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set when DEBUG is off." in process.stderr


def test_without_allowed_hosts_the_site_refuses_to_start(run_django):
    process = run_django("check", SECRET_KEY=STRONG_SECRET)

    assert process.returncode != 0
    assert "ImproperlyConfigured: ALLOWED_HOSTS must be set when DEBUG is off" in process.stderr


def test_the_copied_example_file_refuses_to_start_until_its_secret_is_filled_in(run_django, production_env):
    process = run_django("check", ENV_FILE=production_env["ENV_FILE"])

    assert process.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in process.stderr


def test_local_development_needs_no_secret_and_serves_plain_http(read_settings):
    values = read_settings([*SECURITY_SETTINGS, "ALLOWED_HOSTS"], DEBUG="1")

    assert values["DEBUG"] is True
    assert values["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"


def test_the_documented_environment_turns_on_https_behind_the_proxy(read_settings, production_env):
    values = read_settings(SECURITY_SETTINGS, **production_env)

    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["TRUSTED_PROXY_COUNT"] == 1
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_with_debug_off_https_is_assumed_and_nothing_else_is_trusted_unless_asked_for(read_settings):
    values = read_settings(
        [*SECURITY_SETTINGS, "CACHES"], SECRET_KEY=STRONG_SECRET, ALLOWED_HOSTS="catalogue.example.org"
    )

    assert values["DEBUG"] is False  # off unless asked for
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None  # only behind a proxy that sets it
    assert values["TRUSTED_PROXY_COUNT"] == 0
    assert values["SECURE_HSTS_PRELOAD"] is False  # a commitment made only on purpose
    # Shared by every process and server without another server to run: a table of the database.
    assert values["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert values["CACHES"]["default"]["LOCATION"] == "catalogue_cache"


def test_check_deploy_reports_no_warning_with_the_documented_environment(run_django, production_env):
    process = run_django("check", "--deploy", "--fail-level", "WARNING", **production_env)

    assert process.returncode == 0, process.stdout + process.stderr
    assert "System check identified no issues (0 silenced)." in process.stdout


def test_check_deploy_warns_when_https_is_turned_off(run_django, production_env):
    process = run_django("check", "--deploy", "--fail-level", "WARNING", **production_env, HTTPS="0")

    assert process.returncode != 0
    for warning in ("security.W008", "security.W012", "security.W016"):  # redirect, session and CSRF cookies
        assert warning in process.stderr


def test_a_shared_cache_is_configured_from_cache_url(read_settings):
    values = read_settings(["CACHES"], DEBUG="1", CACHE_URL="redis://cache.internal:6379/1")

    assert values["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert values["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6379/1"
