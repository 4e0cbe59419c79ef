-- name_key becomes the name's lowercased tokens between single spaces (' some movie 2020 '),
-- so a word search is one contains(name_key, ' word ') with no regex (see store/queries.py).
UPDATE releases
SET name_key = ' ' || trim(regexp_replace(lower(name), '[^\p{L}\p{N}]+', ' ', 'g')) || ' ';
