"""Shared test configuration. Area fixtures live in their own modules under tests/."""
