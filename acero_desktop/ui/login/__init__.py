"""Signing in: the login dialog, the REST login call and where the token is kept."""
