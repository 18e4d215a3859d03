"""JSON Schemas shipped with dindcheck: facts, report, rule files."""
