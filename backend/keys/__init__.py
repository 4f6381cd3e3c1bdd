"""Rotating ZAN_SECRET_KEY: what is still keyed by an earlier key, and moving stored secrets to the current one."""
