"""Real servers the feed tests start on loopback: a predb.ovh-protocol HTTP + websocket
server written for the tests, and Debian's ngircd started on a free port."""
