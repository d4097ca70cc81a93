"""The ticket table: ordered ids from one SQL query, rows fetched lazily in batches."""
