"""Sources: one module per input kind, each yielding subjects of the fact model."""
