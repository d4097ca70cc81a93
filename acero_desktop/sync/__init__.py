"""The wire protocol (``protocol.py``, shared with the server) and the client's sync engine."""
