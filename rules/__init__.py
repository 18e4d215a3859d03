"""The rule catalogue: data, one YAML file per rule; ships in the wheel as dindcheck.rules."""
