"""Measure the AI first line on a knowledge base and labelled questions.

    python manage.py eval_assistant --kb ../shared/eval/kb.jsonl --queries ../shared/eval/queries_dev.jsonl

Prints a table (overall and per dialect), then as its last line one JSON object (top1, top3, handoff_precision,
handoff_recall, handoff_f1, category_acc, ece, priority_acc, sentiment_acc, p50_ms, p95_ms, ci95 (bootstrap 95%
intervals, 1,000 resamples of the questions), per_dialect), after a reliability diagram of the confidence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings

from awn.assistant.answering import reset_index
from awn.knowledge.services import kb_import, parse_kb_lines


@contextmanager
def fresh_database() -> Iterator[None]:
    """A new, empty, migrated database for the run (the configured one is never touched), dropped afterwards."""
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


class Command(BaseCommand):
    help = "Evaluate the assistant: article top-1/top-3, handoff F1, category accuracy and latency."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--kb", required=True, help="knowledge base JSONL (id, category, title_ar, body_ar, …)"
        )
        parser.add_argument("--queries", required=True, help="labelled questions JSONL (text, kb_id, …)")
        parser.add_argument("--lexical-only", action="store_true", help="without dense embeddings")
        parser.add_argument(
            "--current-database",
            action="store_true",
            help="import into the configured database instead of a temporary one (it should hold no articles)",
        )
        parser.add_argument(
            "--answers", metavar="FILE", help="write each question's outcome beside its labels (JSON Lines)"
        )

    def settings_for(self, options: dict[str, Any]) -> Any:
        return override_settings(AWN_ASSISTANT_DENSE=not options["lexical_only"])

    def handle(self, *args: Any, **options: Any) -> None:
        # The evaluation code is not part of the runtime: imported when the command runs.
        from awn.assistant.evaluation.assistant import (
            QUERY_FIELDS,
            EvalDataError,
            evaluate_assistant,
            read_jsonl,
        )

        try:
            kb = read_jsonl(options["kb"], ("id", "title_ar", "body_ar"))
            queries = read_jsonl(options["queries"], QUERY_FIELDS)
        except (EvalDataError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        store = nullcontext() if options["current_database"] else fresh_database()
        with store, self.settings_for(options):
            try:
                kb_import(parse_kb_lines(json.dumps(row, ensure_ascii=False) for row in kb))
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            reset_index()
            report = evaluate_assistant(queries)
            reset_index()
        figures = report.overall
        self.stdout.write(
            f"{len(kb)} articles, {len(queries)} questions ({figures['answerable']:.0f} answerable)"
        )
        for name in (
            "top1",
            "top3",
            "answered_correctly",
            "handoff_precision",
            "handoff_recall",
            "handoff_f1",
            "category_acc",
            "ece",
            "priority_acc",
            "sentiment_acc",
            "dialect_acc",
            "ticket_category_acc",
            "p50_ms",
            "p95_ms",
            "index_seconds",
            "load_seconds",
        ):
            if name in figures:
                low_high = report.intervals.get(name)
                interval = f"  [{low_high[0]:.3f}, {low_high[1]:.3f}]" if low_high else ""
                self.stdout.write(f"{name.ljust(20)} {figures[name]:.3f}{interval}")
        self.stdout.write("\nreliability (confidence bin, n, mean confidence, share answered right)")
        for label, n, mean, share in report.reliability:
            self.stdout.write(f"{label.ljust(10)} {n:>5} {mean:>6.3f} {share:>6.3f}")
        self.stdout.write(
            f"\n{'dialect'.ljust(10)} {'n':>4} {'top1':>6} {'top3':>6} {'handoff_f1':>10} {'category':>8}"
        )
        for dialect, row in report.per_dialect.items():
            self.stdout.write(
                f"{dialect.ljust(10)} {row['n']:>4.0f} {row['top1']:>6.3f} {row['top3']:>6.3f} "
                f"{row['handoff_f1']:>10.3f} {row['category_acc']:>8.3f}"
            )
        if options["answers"]:
            with open(options["answers"], "w", encoding="utf-8") as handle:
                for answer in report.answers:
                    handle.write(json.dumps(answer, ensure_ascii=False) + "\n")
        self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
