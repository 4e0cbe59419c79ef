-- Lowercased name for word search: `contains(name_key, word)` scans far faster than ILIKE.
ALTER TABLE releases ADD COLUMN name_key VARCHAR;
UPDATE releases SET name_key = lower(name);
