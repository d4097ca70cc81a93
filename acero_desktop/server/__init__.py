"""The shared server ``acero-server``: REST + websocket sync, auth, fan-out, admin CLI."""
