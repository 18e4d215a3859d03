"""dindcheck: diagnose and advise on Docker-in-Docker setups."""

__version__ = "0.1.0"
# The project's home (also in pyproject.toml's [project.urls]); each shipped rule's page is
# docs/rules/<ID>.md there, generated from its rule file.
__url__ = "https://github.com/dindcheck/dindcheck"
RULE_PAGES = f"{__url__}/blob/main/docs/rules"
