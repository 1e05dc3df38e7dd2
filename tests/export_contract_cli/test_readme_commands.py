"""Every command and flag the README shows exists, spelled as the README spells it."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from export_contract_cli import main

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
_BLOCK = re.compile(r"^```\w*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_INVOCATION = re.compile(r"export-contract((?: [a-z]+)+)")


def _invocations() -> list[tuple[str, list[str]]]:
    """(`serve`, [`--api-key`, ...]) per `export-contract ...` command line in a code block;
    a command continues on the lines after it that start with a flag or follow a `\\`."""
    found: list[tuple[str, list[str]]] = []
    for block in _BLOCK.findall(README):
        lines = block.splitlines()
        for index, line in enumerate(lines):
            match = _INVOCATION.search(line)
            if not match:
                continue
            text = line[match.end():]
            for following in lines[index + 1:]:
                if not (text.rstrip().endswith("\\") or following.strip().startswith(("--", "["))):
                    break
                text += " " + following
            found.append((match[1].strip(), re.findall(r"(?<![\w-])--[a-z][a-z-]*", text)))
    return found


def _command(words: str) -> click.Command:
    command: click.Command = main
    for word in words.split():
        if not isinstance(command, click.Group) or word not in command.commands:
            break
        command = command.commands[word]
    return command


INVOCATIONS = _invocations()


def test_the_readme_shows_every_command() -> None:
    shown = {words.split()[0] for words, _ in INVOCATIONS}
    assert shown == set(main.commands)


@pytest.mark.parametrize(("words", "flags"), INVOCATIONS,
                         ids=[f"{w}-{i}" for i, (w, _) in enumerate(INVOCATIONS)])
def test_every_flag_the_readme_shows_exists(words: str, flags: list[str]) -> None:
    command = _command(words)
    assert command is not main, f"no such command: export-contract {words}"
    known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    assert not [flag for flag in flags if flag not in known], (
        f"export-contract {words}: flags the README shows that do not exist")
