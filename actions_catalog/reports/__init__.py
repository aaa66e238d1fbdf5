"""« Signaler une erreur »: the public form of a published sheet, which writes through the core.

The read side (``actions_catalog.catalogue``) writes nothing, so the one public page that records something lives
here; the service, its rate limit and its e-mail are the core's (``core/error_reports.py``).
"""
