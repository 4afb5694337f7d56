"""lighteval package."""
