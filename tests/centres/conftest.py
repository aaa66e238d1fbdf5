from tests.catalog.conftest import make_action  # noqa: F401  (the same factory for the centre pages)
