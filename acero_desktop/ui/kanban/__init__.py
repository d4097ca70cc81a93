"""Kanban boards of ticket tasks: one ticket's (in the detail pane) and "My tasks"."""
