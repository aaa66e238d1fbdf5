"""The project's settings for the page measurements of the benchmark: only the URLs differ.

``bench.urls`` adds a minimal view (the floor: what any request costs through the middleware), nothing else.
Everything else, DEBUG included, comes from the environment exactly as for the site (``bench.run`` sets it).
"""

from actions_catalog.config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
