"""The durable job queue: background work as rows in the database (plumbing).

See ``queue`` (enqueue, claim, finish, retry) and ``worker`` (the loop that runs them).
"""
