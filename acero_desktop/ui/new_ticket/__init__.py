"""The new-ticket form: validated fields, a category tree, and suggestions as you type."""
