"""The catalogue of French social-centre actions.

- ``config``: project configuration (settings, URLs, WSGI, the embedded development database);
- ``core``: the models, SheetData, text normalization, the writer and the services that change state;
- ``catalogue``: the public read side (index, facets, list, detail, API, downloads);
- ``members``: the members' area and the moderation pages;
- ``backoffice``: the federation's admin.

The importers of sheet formats live beside it, in ``importers``; centres and places in ``centres``.
docs/architecture.md describes the whole.
"""
