#!/usr/bin/env bash
# The lint step of action.yml: SARIF for code scanning, then the same findings as
# annotations in the log. It always exits 0 so that the SARIF is uploaded; the action's
# last step fails with dindcheck's exit code (written to $GITHUB_OUTPUT).
#
# Inputs (environment): INPUT_PATHS, INPUT_FAIL_ON, INPUT_BASELINE, INPUT_ARGS, INPUT_SARIF.
set -u
read -r -a paths <<< "${INPUT_PATHS:-.}"
[ "${#paths[@]}" -gt 0 ] || paths=(.)
read -r -a extra <<< "${INPUT_ARGS:-}"
options=(--fail-on "${INPUT_FAIL_ON:-error}")
if [ -n "${INPUT_BASELINE:-}" ]; then
    options+=(--baseline "$INPUT_BASELINE")
fi
sarif=${INPUT_SARIF:-dindcheck.sarif}
output=${GITHUB_OUTPUT:-/dev/null}

dindcheck lint "${paths[@]}" "${options[@]}" "${extra[@]}" --format sarif -o "$sarif"
code=$?
dindcheck lint "${paths[@]}" "${options[@]}" "${extra[@]}" --format github 2>/dev/null

echo "exit-code=$code" >> "$output"
if [ -s "$sarif" ]; then
    echo "sarif=$sarif" >> "$output"
fi
exit 0
