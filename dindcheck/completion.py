"""Shell completion scripts for bash, zsh and fish, generated from the argument parser.

Every subcommand, option and choice comes from :func:`dindcheck.cli.build_parser`, so the
scripts cannot drift from the options. An option whose value is a file (``FILE``,
``PATH``) completes file names, a folder (``DIR``) folder names, one with choices the
choices; a rule id (``explain``) is completed from ``dindcheck rules`` at completion time.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass

_FILE_METAVARS = frozenset({"FILE", "PATH"})
_DIR_METAVARS = frozenset({"DIR"})


@dataclass(frozen=True, slots=True)
class Option:
    flags: tuple[str, ...]
    help: str
    takes_value: bool
    choices: tuple[str, ...] = ()
    value: str = ""  # "file", "dir", or "" (free text)


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    options: tuple[Option, ...]
    positional: str = ""  # "file", "rule", "choice" or ""
    positional_choices: tuple[str, ...] = ()


def _kind(metavar: object) -> str:
    if metavar in _FILE_METAVARS:
        return "file"
    if metavar in _DIR_METAVARS:
        return "dir"
    return ""


def _options(parser: argparse.ArgumentParser) -> tuple[Option, ...]:
    found = []
    for action in parser._actions:
        if not action.option_strings or action.help == argparse.SUPPRESS:
            continue
        found.append(Option(
            flags=tuple(action.option_strings), help=" ".join((action.help or "").split()),
            takes_value=action.nargs != 0,
            choices=tuple(str(c) for c in action.choices or ()),
            value=_kind(action.metavar)))
    return tuple(found)


def commands(parser: argparse.ArgumentParser) -> tuple[Command, tuple[Command, ...]]:
    """The top-level command and the subcommands, as completion needs them."""
    subs: list[Command] = []
    helps: dict[str, str] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                positional = next((a for a in sub._actions if not a.option_strings), None)
                kind = ""
                choices: tuple[str, ...] = ()
                if positional is not None:
                    if positional.choices:
                        kind, choices = "choice", tuple(str(c) for c in positional.choices)
                    elif positional.dest == "rule":
                        kind = "rule"
                    else:
                        kind = "file"
                subs.append(Command(name, " ".join(helps.get(name, "").split()),
                                    _options(sub), kind, choices))
    return Command("dindcheck", "", _options(parser)), tuple(subs)


def script(shell: str, parser: argparse.ArgumentParser) -> str:
    top, subs = commands(parser)
    if shell == "bash":
        return _bash(top, subs)
    if shell == "zsh":
        return _zsh(top, subs)
    if shell == "fish":
        return _fish(top, subs)
    raise ValueError(shell)


_RULE_IDS = "dindcheck rules 2>/dev/null | cut -d' ' -f1"

# ----------------------------------------------------------------- bash


def _bash(top: Command, subs: Sequence[Command]) -> str:
    names = " ".join(c.name for c in subs)
    cases = []
    for command in subs:
        values = []
        for option in command.options:
            if not option.takes_value:
                continue
            pattern = "|".join(option.flags)
            if option.choices:
                reply = f'COMPREPLY=($(compgen -W "{" ".join(option.choices)}" -- "$cur"))'
            elif option.value == "file":
                reply = 'COMPREPLY=($(compgen -f -- "$cur"))'
            elif option.value == "dir":
                reply = 'COMPREPLY=($(compgen -d -- "$cur"))'
            else:
                reply = "COMPREPLY=()"
            values.append(f"                {pattern}) {reply}; return ;;")
        flags = " ".join(f for o in command.options for f in o.flags)
        if command.positional == "choice":
            rest = f'COMPREPLY=($(compgen -W "{" ".join(command.positional_choices)}" -- "$cur"))'
        elif command.positional == "rule":
            rest = f'COMPREPLY=($(compgen -W "$({_RULE_IDS})" -- "$cur"))'
        elif command.positional == "file":
            rest = 'COMPREPLY=($(compgen -f -- "$cur"))'
        else:
            rest = "COMPREPLY=()"
        value_case = ("            case \"$prev\" in\n" + "\n".join(values)
                      + "\n            esac\n") if values else ""
        cases.append(
            f"        {command.name})\n{value_case}"
            f'            if [[ "$cur" == -* ]]; then\n'
            f'                COMPREPLY=($(compgen -W "{flags}" -- "$cur"))\n'
            f"            else\n                {rest}\n            fi ;;")
    top_flags = " ".join(f for o in top.options for f in o.flags)
    return f"""# bash completion for dindcheck (generated by `dindcheck completion bash`)
_dindcheck() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    local command="" word
    for word in "${{COMP_WORDS[@]:1:COMP_CWORD-1}}"; do
        case "$word" in
            {"|".join(c.name for c in subs)}) command="$word"; break ;;
        esac
    done
    case "$command" in
{chr(10).join(cases)}
        *)
            COMPREPLY=($(compgen -W "{names} {top_flags}" -- "$cur")) ;;
    esac
}}
complete -o filenames -F _dindcheck dindcheck
"""


# ----------------------------------------------------------------- zsh


def _zsh_text(text: str) -> str:
    """Help text inside a single-quoted ``_arguments`` spec."""
    text = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return text.replace(":", "\\:").replace("'", "'\\''")


def _zsh_option(option: Option) -> str:
    action = ""
    if option.takes_value:
        if option.choices:
            action = f":value:({' '.join(option.choices)})"
        elif option.value == "file":
            action = ":file:_files"
        elif option.value == "dir":
            action = ":folder:_files -/"
        else:
            action = ":value: "
    help_text = _zsh_text(option.help)
    if len(option.flags) == 1:
        return f"'{option.flags[0]}[{help_text}]{action}'"
    exclusive = " ".join(option.flags)
    return f"'({exclusive})'{{{','.join(option.flags)}}}'[{help_text}]{action}'"


def _zsh(top: Command, subs: Sequence[Command]) -> str:
    described = "\n".join(f"        '{c.name}:{_zsh_text(c.help)}'" for c in subs)
    cases = []
    for command in subs:
        specs = [_zsh_option(o) for o in command.options]
        if command.positional == "choice":
            specs.append(f"'1:{command.name}:({' '.join(command.positional_choices)})'")
        elif command.positional == "rule":
            specs.append("'1:rule:{compadd -- ${${(f)\"$(dindcheck rules 2>/dev/null)\"}%% *}}'")
        elif command.positional == "file":
            specs.append("'*:file:_files'")
        cases.append(f"        {command.name})\n            _arguments -s \\\n"
                     + " \\\n".join(f"                {spec}" for spec in specs) + " ;;")
    top_specs = " \\\n".join(f"        {_zsh_option(o)}" for o in top.options)
    return f"""#compdef dindcheck
# zsh completion for dindcheck (generated by `dindcheck completion zsh`)
_dindcheck() {{
    local -a commands
    commands=(
{described}
    )
    if (( CURRENT == 2 )); then
        _describe -t commands 'dindcheck command' commands
        _arguments \\
{top_specs}
        return
    fi
    local command=$words[2]
    shift words
    (( CURRENT-- ))
    case $command in
{chr(10).join(cases)}
    esac
}}
if [ "$funcstack[1]" = "_dindcheck" ]; then
    _dindcheck "$@"
else
    compdef _dindcheck dindcheck
fi
"""


# ----------------------------------------------------------------- fish


def _fish_text(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish_option(command: str, option: Option) -> str:
    parts = ["complete -c dindcheck"]
    parts.append(f"-n '__fish_seen_subcommand_from {command}'" if command
                 else "-n __fish_use_subcommand")
    for flag in option.flags:
        if flag.startswith("--"):
            parts.append(f"-l {flag[2:]}")
        else:
            parts.append(f"-s {flag[1:]}")
    if option.takes_value:
        if option.choices:
            parts.append(f"-x -a {_fish_text(' '.join(option.choices))}")
        elif option.value == "file":
            parts.append("-r -F")
        elif option.value == "dir":
            parts.append("-x -a '(__fish_complete_directories)'")
        else:
            parts.append("-x")
    parts.append(f"-d {_fish_text(option.help)}")
    return " ".join(parts)


def _fish(top: Command, subs: Sequence[Command]) -> str:
    lines = ["# fish completion for dindcheck (generated by `dindcheck completion fish`)",
             "complete -c dindcheck -f"]
    lines += [f"complete -c dindcheck -n __fish_use_subcommand -a {c.name} "
              f"-d {_fish_text(c.help)}" for c in subs]
    lines += [_fish_option("", o) for o in top.options]
    for command in subs:
        lines += [_fish_option(command.name, o) for o in command.options]
        seen = f"-n '__fish_seen_subcommand_from {command.name}'"
        if command.positional == "choice":
            lines.append(f"complete -c dindcheck {seen} -x -a "
                         f"{_fish_text(' '.join(command.positional_choices))}")
        elif command.positional == "rule":
            lines.append(f"complete -c dindcheck {seen} -x -a '({_RULE_IDS})'")
        elif command.positional == "file":
            lines.append(f"complete -c dindcheck {seen} -F")
    return "\n".join(lines) + "\n"
