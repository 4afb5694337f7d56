"""contribution package."""
