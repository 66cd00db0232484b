"""Estimate this deployment's share of questions that need a person, from its own stored questions.

    python manage.py estimate_handoff_prior [--days 90] [--file questions.jsonl] [--reps 200]

The assistant's decision is trained on a corpus where far more questions need a person than in live traffic (its
training prior is in the model file) and is moved to the deployment's prior (settings.AWN_ASSISTANT_HANDOFF_PRIOR, decision.py). This command estimates that prior from
unlabelled live traffic with the EM of Saerens, Latinne & Decaestecker (2002): read each question as the assistant
does, take the model's class probabilities at its training prior, and alternately shift them to the current prior
estimate and average them, until the prior stops moving. The interval resamples the questions.

The questions: every messaging first-line conversation (WhatsApp, Telegram, email: the question is kept whether
the assistant answered it or handed it off, so the sample is not biased toward either), and/or a file of
questions (one JSON object with a "text" field, or one plain question, a line) exported from another channel.
Tickets alone would be a biased sample: a question the assistant answered on the portal opens no ticket.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from awn.assistant.answering import current_index, read_for_decision
from awn.assistant.decision import ANSWER, decision_model, em_prior
from awn.assistant.models import FirstLineConversation

MIN_QUESTIONS = 50  # below this the estimate is mostly noise


def _file_questions(path: Path) -> list[str]:
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            line = str(json.loads(line).get("text", "")).strip()
        if line:
            questions.append(line)
    return questions


def stored_questions(days: int) -> list[str]:
    since = timezone.now() - timedelta(days=days)
    rows = FirstLineConversation.objects.filter(created_at__gte=since).exclude(question="")
    return [q.strip() for q in rows.values_list("question", flat=True) if q.strip()]


class Command(BaseCommand):
    help = "Estimate the share of questions that need a person (AWN_ASSISTANT_HANDOFF_PRIOR) from stored questions."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--days", type=int, default=90, help="first-line conversations of the last N days"
        )
        parser.add_argument(
            "--file", type=Path, help="more questions: JSON lines with 'text', or plain lines"
        )
        parser.add_argument("--no-stored", action="store_true", help="only the file's questions")
        parser.add_argument("--reps", type=int, default=200, help="bootstrap resamples for the interval")

    def handle(self, *args: Any, **options: Any) -> None:
        questions = [] if options["no_stored"] else stored_questions(options["days"])
        if options["file"]:
            questions += _file_questions(options["file"])
        if len(questions) < MIN_QUESTIONS:
            raise CommandError(
                f"{len(questions)} questions: at least {MIN_QUESTIONS} are needed for an estimate worth setting"
            )
        model = decision_model()
        if model.training_prior is None:
            raise CommandError("the committed decision model does not record its training prior")
        index = current_index()
        inputs = [read_for_decision(text, index) for text in questions]
        probabilities = np.concatenate(
            [model.training_probabilities(inputs[i : i + 256]) for i in range(0, len(inputs), 256)]
        )
        estimate = handoff_estimate(probabilities, model.training_prior, model.classes)
        rng = np.random.default_rng(0)
        samples = [
            handoff_estimate(
                probabilities[rng.integers(0, len(questions), len(questions))],
                model.training_prior,
                model.classes,
            )[0]
            for _ in range(options["reps"])
        ]
        low, high = np.percentile(samples, [2.5, 97.5])
        share, prior, iterations = estimate
        naive = 1.0 - float(probabilities[:, model.classes.index(ANSWER)].mean())
        training = 1.0 - float(model.training_prior[model.classes.index(ANSWER)])
        self.stdout.write(
            f"{len(questions)} questions. Share that needs a person (EM, {iterations} iterations): "
            f"{share:.3f} [95% {low:.3f}, {high:.3f}]; the model's training share {training:.3f}; "
            f"the unadjusted mean of its probabilities {naive:.3f}."
        )
        for name, value in zip(model.classes, prior, strict=True):
            self.stdout.write(f"  {name:24s} {value:.3f}")
        self.stdout.write(f"Set: AWN_ASSISTANT_HANDOFF_PRIOR={share:.2f}")


def handoff_estimate(
    probabilities: np.ndarray, training_prior: np.ndarray, classes: tuple[str, ...]
) -> tuple[float, np.ndarray, int]:
    prior, iterations = em_prior(probabilities, training_prior)
    return 1.0 - float(prior[classes.index(ANSWER)]), prior, iterations
