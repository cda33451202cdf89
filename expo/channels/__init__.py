"""Delivery channels: small adapters to the outside services that carry messages (plumbing).

Each adapter turns an ``Outgoing`` message into its provider's documented request and its
answer into ``Sent`` or an error: ``TemporaryError`` (try again: a timeout, a 5xx, a rate
limit) or ``PermanentError`` (this message can never go: a refused number, a bad template).
They know nothing of expo's rows; ``expo.messages`` records what happened.
"""
