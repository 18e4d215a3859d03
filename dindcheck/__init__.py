"""dindcheck: diagnose and advise on Docker-in-Docker setups."""

__version__ = "0.1.0"
