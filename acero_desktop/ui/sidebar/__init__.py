"""The sidebar: built-in views and the user's saved searches, with live counts."""
