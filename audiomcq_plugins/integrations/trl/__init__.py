"""trl package."""
