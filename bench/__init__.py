"""The performance benchmark of issue 6: ``python -m bench.run`` (``make bench``); see bench/README.md."""
