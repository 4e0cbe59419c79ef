"""The demo: the whole story on a simulated world, through the production path (`pipeline`),
and its live leg (`live`: replay over the predb.ovh websocket into watch, alerts to a webhook)."""
