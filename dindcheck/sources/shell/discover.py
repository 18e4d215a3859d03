"""Which files are shell, and in which form: by name in a folder walk, by content for a
file named on the command line."""

from __future__ import annotations

import re

SCRIPT = "script"
MAKEFILE = "makefile"
JENKINSFILE = "jenkinsfile"
MARKDOWN = "markdown"
FORMATS = (SCRIPT, MAKEFILE, JENKINSFILE, MARKDOWN)

_SCRIPT_SUFFIXES = (".sh", ".bash")
_MAKEFILE_NAMES = frozenset({"makefile", "gnumakefile"})
_SHEBANG = re.compile(r"^#!\s*\S*?(?:/|\s)(?:env\s+(?:-\S+\s+)*)?(?:ba|da|a|z|k|mk)?sh\b")
_JENKINS = re.compile(r"^\s*(?:pipeline|node)\s*(?:\(|\{)", re.MULTILINE)
_MAKE_RULE = re.compile(r"^[^\s#=:][^=:]*:(?!=)[^\n]*\n\t", re.MULTILINE)
_DOCKER_LINE = re.compile(r"^\s*(?:sudo\s+)?docker\s", re.MULTILINE)


def claims(name: str) -> str | None:
    """The format of a file found in a folder walk, by its name (None: not shell)."""
    lower = name.lower()
    if lower.endswith(_SCRIPT_SUFFIXES):
        return SCRIPT
    if lower in _MAKEFILE_NAMES or lower.endswith(".mk"):
        return MAKEFILE
    if lower == "jenkinsfile" or lower.startswith("jenkinsfile.") or lower.endswith(
            ".jenkinsfile"):
        return JENKINSFILE
    return None


def sniff(name: str, text: str) -> str | None:
    """The format of a file named on the command line: by name, else by content (a
    shebang, a Jenkins pipeline, make rules with tab recipes, a line that starts with
    docker); None when nothing says shell."""
    by_name = claims(name)
    if by_name is not None:
        return by_name
    if name.lower().endswith((".md", ".markdown")):
        return MARKDOWN
    head = text[:4096]
    if _SHEBANG.match(head):
        return SCRIPT
    if _JENKINS.search(head) and re.search(r"\bsh\s*[('\"]", text):
        return JENKINSFILE
    if _MAKE_RULE.search(head):
        return MAKEFILE
    if _DOCKER_LINE.search(text):
        return SCRIPT
    return None
