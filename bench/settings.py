"""The project's settings for the page measurements of the benchmark: only the URLs differ.

``bench.urls`` adds a minimal view (the floor: what any request costs through the middleware), and the pages are
rendered for every request (no page kept for visitors), nothing else.
Everything else, DEBUG included, comes from the environment exactly as for the site (``bench.run`` sets it).
"""

from actions_catalog.config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# The pages are timed as rendered (what the first visitor of an address or of a new catalogue version costs), not
# as kept for visitors (catalogue/visitor_pages.py: one query and a cache read), which would hide their cost.
VISITOR_PAGES_SECONDS = 0
