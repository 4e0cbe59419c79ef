-- Live feeds look up a handful of names per write: an index on the 8-byte hash answers in
-- well under a millisecond where a scan of the column grows with the store (~1 ms per 1M
-- releases per name). Bulk imports pay ~0.3 µs a row for it, on the writer thread.
CREATE INDEX releases_name_hash_idx ON releases (name_hash);
