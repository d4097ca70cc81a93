"""The ticket detail pane: fields, workflow, comments, files, watchers, SLA and timeline."""
