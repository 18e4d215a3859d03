"""Entry point for ``python -m dindcheck``."""

from dindcheck.cli import main

raise SystemExit(main())
