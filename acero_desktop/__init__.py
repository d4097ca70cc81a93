"""Acero Desktop: the ticket system of the Acero platform (desktop client and shared server)."""

__version__ = "0.1.0"
