"""The search bar: the query language with completion, a throttle, and errors with a caret."""
