"""A cache backend that fails on every call, as a cache table missing or a Redis server down (tests/catalog/
test_visitor_pages.py)."""

from django.core.cache.backends.base import BaseCache


class FailingCache(BaseCache):
    def __init__(self, location, params):
        super().__init__(params)

    def get(self, key, default=None, version=None):
        raise ConnectionError("the cache is down")

    def set(self, key, value, timeout=None, version=None):
        raise ConnectionError("the cache is down")

    def clear(self):
        pass
