"""The public form « Contacter le centre » (``/actions/<slug>/contact/``): its form and its view.

The read side writes nothing, and this form writes (the uses its limits count), so it lives apart; the relay and
the limits are the core's (``actions_catalog.core.contact``).
"""
