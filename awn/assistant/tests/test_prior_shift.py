"""Prior-shift correction of the decision (Saerens, Latinne & Decaestecker 2002): reference values worked by hand
or fixed by how the data was generated, not read from the code under test."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from awn.assistant.decision import (
    decision_model,
    deployment_prior,
    em_prior,
    handoff_prior_setting,
    shift_prior,
)


def test_shift_prior_reweights_by_new_over_old_prior_and_renormalizes() -> None:
    # w = [0.75/0.5, 0.125/0.25, 0.125/0.25] = [1.5, 0.5, 0.5]; p·w = [0.9, 0.15, 0.05], sum 1.1
    shifted, factor = shift_prior(
        np.array([[0.6, 0.3, 0.1]]), np.array([0.5, 0.25, 0.25]), np.array([0.75, 0.125, 0.125])
    )
    assert shifted[0] == pytest.approx([0.9 / 1.1, 0.15 / 1.1, 0.05 / 1.1])
    assert factor[0] == pytest.approx(1.5 / 1.1)


def test_the_same_prior_changes_nothing() -> None:
    p = np.array([[0.2, 0.5, 0.3], [0.9, 0.05, 0.05]])
    prior = np.array([0.4, 0.35, 0.25])
    shifted, factor = shift_prior(p, prior, prior)
    assert shifted == pytest.approx(p)
    assert factor == pytest.approx([1.0, 1.0])


def test_deployment_prior_keeps_the_reasons_proportions() -> None:
    assert deployment_prior(np.array([0.5, 0.3, 0.2]), 0.25) == pytest.approx([0.75, 0.15, 0.10])


def test_em_recovers_the_prior_of_an_unlabelled_sample() -> None:
    """Two unit Gaussians at 0 and 2; a classifier whose posteriors are exact for a 50/50 training prior; a
    sample drawn with 80% of class 0. EM must find ≈ 0.8 / 0.2, where the posteriors' plain mean does not."""
    rng = np.random.default_rng(7)
    n = 20_000
    labels = rng.random(n) < 0.2
    x = np.where(labels, rng.normal(2.0, 1.0, n), rng.normal(0.0, 1.0, n))
    p1 = 1.0 / (1.0 + np.exp(-(2.0 * x - 2.0)))  # exact posterior at equal priors
    posteriors = np.column_stack([1 - p1, p1])
    naive = posteriors.mean(axis=0)[1]
    prior, iterations = em_prior(posteriors, np.array([0.5, 0.5]))
    assert abs(prior[1] - 0.2) < 0.02
    assert abs(naive - 0.2) > 0.05  # the correction is needed: the naive mean is biased toward 0.5
    assert iterations > 1


def test_the_threshold_follows_the_deployment_prior_between_the_chosen_ones() -> None:
    base = decision_model()
    model = replace(
        base,
        training_prior=np.full(len(base.classes), 1 / len(base.classes)),
        thresholds_by_prior=((0.1, 0.5), (0.3, 0.7)),
        handoff_prior=0.2,
    )
    assert model.effective_threshold() == pytest.approx(0.6)
    assert replace(model, handoff_prior=0.05).effective_threshold() == pytest.approx(0.5)  # clamped
    assert replace(model, handoff_prior=None).effective_threshold() == base.threshold


def test_a_lower_handoff_prior_raises_the_confidence_to_answer() -> None:
    base = decision_model()
    classes = len(base.classes)
    training = np.array([0.55] + [0.45 / (classes - 1)] * (classes - 1))
    probabilities = np.array([[0.5] + [0.5 / (classes - 1)] * (classes - 1)])
    model = replace(base, training_prior=training, handoff_prior=0.2)
    shifted, confidence = model.at_deployment_prior(probabilities, np.array([0.4]))
    # answer: 0.5·(0.8/0.55) / (0.5·0.8/0.55 + 0.5·0.2/0.45) = 0.72727 / (0.72727 + 0.22222)
    expected = 0.727272 / (0.727272 + 0.222222)
    assert shifted[0, 0] == pytest.approx(expected, rel=1e-4)
    assert confidence[0] == pytest.approx(0.4 * expected / 0.5, rel=1e-4)


@pytest.mark.parametrize(("value", "expected"), [("0.25", 0.25), ("", None), ("training", None)])
def test_the_setting(settings: object, value: str, expected: float | None) -> None:
    settings.AWN_ASSISTANT_HANDOFF_PRIOR = value  # type: ignore[attr-defined]
    assert handoff_prior_setting() == expected


@pytest.mark.parametrize("value", ["0", "1", "1.5", "-0.1"])
def test_a_prior_outside_zero_one_is_refused(settings: object, value: str) -> None:
    settings.AWN_ASSISTANT_HANDOFF_PRIOR = value  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        handoff_prior_setting()


HOW_TO = [
    "نسيت كلمة المرور كيف استرجعها",
    "how do I see my son's results",
    "كيف اسجل ولدي في المدرسة",
    "وين القى الشهادة حقت بنتي",
    "ازاي اغير رقم الجوال في الحساب",
    "kif a3ml reset lel password",
]
NEEDS_PERSON = [
    "ابي اكلم موظف الحين",
    "احد دخل حسابي وغير الايميل بدون علمي",
    "المعلم يهين ولدي كل يوم واريد اشتكي",
    "كيف الجو عندكم اليوم",
]


def _write(path: Any, questions: list[str]) -> None:
    path.write_text(
        "\n".join(json.dumps({"text": q}, ensure_ascii=False) for q in questions), encoding="utf-8"
    )


def test_the_command_estimates_a_lower_share_from_traffic_that_mostly_asks_how(
    kb: None, tmp_path: Any
) -> None:
    mostly_how = tmp_path / "mostly_how.jsonl"
    mostly_person = tmp_path / "mostly_person.jsonl"
    _write(mostly_how, HOW_TO * 9 + NEEDS_PERSON[:1])  # 55 questions, 1 in 55 needs a person
    _write(mostly_person, NEEDS_PERSON * 12 + HOW_TO[:2])  # 50, 2 answerable
    shares = []
    for path in (mostly_how, mostly_person):
        out = io.StringIO()
        call_command("estimate_handoff_prior", "--no-stored", "--file", str(path), "--reps", "20", stdout=out)
        line = next(x for x in out.getvalue().splitlines() if x.startswith("Set: "))
        shares.append(float(line.split("=")[1]))
    assert 0.0 <= shares[0] < 0.3 < 0.7 < shares[1] <= 1.0


def test_the_command_refuses_too_few_questions(kb: None, tmp_path: Any) -> None:
    path = tmp_path / "few.jsonl"
    _write(path, HOW_TO)
    with pytest.raises(CommandError):
        call_command("estimate_handoff_prior", "--no-stored", "--file", str(path))
