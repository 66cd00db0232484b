"""Evaluation code lives out of the assistant's runtime (issue 12, item 8): no module that serves a question,
triages a ticket or starts a worker imports awn.assistant.evaluation, directly or through another module; only
the eval_* management commands (inside handle(), when they run) and tests do."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

EVALUATION = "awn.assistant.evaluation"
COMMANDS = Path(__file__).resolve().parents[1] / "management" / "commands"


def test_no_runtime_module_imports_the_evaluation_code() -> None:
    graph = grimp.build_graph("awn", "config")
    importers = graph.find_downstream_modules(EVALUATION, as_package=True)
    runtime = sorted(
        module
        for module in importers
        if not module.startswith((EVALUATION, "awn.assistant.management.commands.eval_"))
        and ".tests" not in module
    )
    assert runtime == []


def test_the_commands_import_it_only_when_they_run() -> None:
    for command in ("eval_assistant", "eval_intents"):
        tree = ast.parse((COMMANDS / f"{command}.py").read_text(encoding="utf-8"))
        top_level = [
            node.module
            for node in tree.body
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(EVALUATION)
        ]
        inside = [
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(EVALUATION)
        ]
        assert top_level == [] and inside, command
