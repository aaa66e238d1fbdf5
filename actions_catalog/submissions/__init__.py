"""Submissions and moderation: centre staff propose and edit action sheets, federation moderators decide.

Every sheet written here goes through the same path as imports: a form produces a ``SheetData``
(``importers.sheets``) and ``SheetLoader().save_sheet`` (``importers.loader``) writes it. The layout:

- ``models``: revisions of published actions, keyword suggestions, attachments, the moderation log;
- ``conversion``: SheetData ↔ action, SheetData ↔ JSON (a revision stores its sheet as JSON);
- ``forms``: the sheet form, its funding-line formset, the decision form;
- ``services``: every state transition (save a draft, send, approve, reject), rate limit, duplicates;
- ``attachments``: content checks of uploaded files; ``notifications``: the e-mails; ``diff``: old vs new;
- ``views`` (member area, ``/espace/``), ``moderation`` (``/espace/moderation/``), ``urls``.
"""
