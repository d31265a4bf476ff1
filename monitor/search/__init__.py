"""Search sources: per-person news queries, when each is due, and what the services answer."""
