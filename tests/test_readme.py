"""The README's two set-up commands and CI stay in step."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text)


def test_readme_has_exactly_two_commands() -> None:
    """Set-up is two commands: the demo and the tests."""
    commands = _commands()
    assert len(commands) == 2
    assert commands[0].endswith("aclf-protocol demo")
    assert "pytest" in commands[1]
    assert "[test]" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    """.ci/run holds the README's test command as one whole line."""
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _commands()[1] in ci_lines


def test_both_commands_make_their_own_environment() -> None:
    """Nothing installed by hand: each command creates its own virtual environment."""
    for command in _commands():
        assert command.startswith("python3 -m venv .venv && ")
