"""Catalog of titles and official dates, and matching releases to titles."""
