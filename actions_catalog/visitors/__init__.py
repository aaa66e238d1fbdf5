"""The public forms beside a published sheet: « Contacter le centre » and « Signaler une erreur ».

The read side (``actions_catalog.catalogue``) writes nothing; these two pages record something (a report, the uses
their limits count), so they live here, on the core's services (``core/contact.py``, ``core/error_reports.py``).
Both share one honeypot rule (``forms.HoneypotForm``).
"""
