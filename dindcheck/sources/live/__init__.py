"""A running Docker engine, audited read-only through the Engine API."""
