"""lm_eval package."""
