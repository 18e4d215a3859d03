"""Docker Compose files: discovery, loading (merge, extends, include, interpolation), workloads."""
