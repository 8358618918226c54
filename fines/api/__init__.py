"""The read-only JSON API under /api/: the register's decisions, authorities and organisations.

The decision list reads its query string through ``fines.filters.decision_filter``, like the public list,
the exports and the feed, so that every view of the register accepts, and refuses, the same URLs.
"""
