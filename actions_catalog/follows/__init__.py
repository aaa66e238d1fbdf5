"""Followed searches: anyone follows a list of the catalogue by e-mail (double opt-in) and receives a digest
of its newly published actions, daily or weekly; every e-mail has a one-click unsubscribe (RFC 8058)."""
