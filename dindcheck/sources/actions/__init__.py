"""GitHub Actions workflows: job containers, service containers, ``docker run`` steps."""
