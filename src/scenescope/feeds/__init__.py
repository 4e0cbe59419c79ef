"""Feeds: one connector per module, each yielding the normalized events of `feeds.events`."""
