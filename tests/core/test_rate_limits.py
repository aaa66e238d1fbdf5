"""Rate limits counted in the database: the bound, its window, its keys, rollbacks, concurrency and the purge."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from actions_catalog.core import rate_limits
from actions_catalog.core.rate_limits import RateLimitHit

HOUR = timedelta(hours=1)


@pytest.mark.django_db
def test_uses_are_allowed_up_to_the_limit_then_refused():
    answers = [rate_limits.allow("contact", "ana@example.org", limit=3, window=HOUR) for _ in range(5)]

    assert answers == [True, True, True, False, False]
    assert RateLimitHit.objects.count() == 3  # a refused use is not recorded


@pytest.mark.django_db
def test_keys_ignore_case_and_surrounding_spaces_and_are_not_stored_in_clear():
    assert rate_limits.allow("contact", "Ana@Example.org ", limit=1, window=HOUR)

    assert not rate_limits.allow("contact", "ana@example.org", limit=1, window=HOUR)
    assert not RateLimitHit.objects.filter(key_hash__icontains="ana").exists()


@pytest.mark.django_db
def test_scopes_and_keys_are_counted_apart():
    assert rate_limits.allow("contact", "ana@example.org", limit=1, window=HOUR)

    assert rate_limits.allow("report", "ana@example.org", limit=1, window=HOUR)
    assert rate_limits.allow("contact", "bob@example.org", limit=1, window=HOUR)


@pytest.mark.django_db
def test_uses_older_than_the_window_do_not_count():
    assert rate_limits.allow("contact", "ana@example.org", limit=1, window=HOUR)
    RateLimitHit.objects.update(created_at=timezone.now() - HOUR - timedelta(seconds=1))

    assert rate_limits.allow("contact", "ana@example.org", limit=1, window=HOUR)


@pytest.mark.django_db
def test_a_use_recorded_by_a_transaction_that_rolls_back_does_not_count():
    with pytest.raises(RuntimeError), transaction.atomic():
        assert rate_limits.allow("contact", "ana@example.org", limit=1, window=HOUR)
        raise RuntimeError("the guarded work failed")

    assert rate_limits.allow("contact", "ana@example.org", limit=1, window=HOUR)


@pytest.mark.django_db
def test_purge_deletes_only_uses_older_than_the_retention():
    rate_limits.allow("contact", "old@example.org", limit=5, window=HOUR)
    rate_limits.allow("contact", "new@example.org", limit=5, window=HOUR)
    RateLimitHit.objects.filter(pk=RateLimitHit.objects.order_by("pk").first().pk).update(
        created_at=timezone.now() - rate_limits.RETENTION - timedelta(minutes=1)
    )

    assert rate_limits.purge() == 1
    assert RateLimitHit.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_uses_never_exceed_the_limit():
    """14 requests at once with 8 uses left: 8 are allowed, whatever the interleaving."""
    start = threading.Barrier(14, timeout=30)
    answers = []
    lock = threading.Lock()

    def use():
        try:
            start.wait()
            allowed = rate_limits.allow("follow", "ana@example.org", limit=8, window=HOUR)
            with lock:
                answers.append(allowed)
        finally:
            connection.close()

    threads = [threading.Thread(target=use) for _ in range(14)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [False] * 6 + [True] * 8
    assert RateLimitHit.objects.count() == 8
