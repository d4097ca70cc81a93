"""Reusable test support: a real ``acero-server`` process and a chaos TCP proxy."""
