"""Erlang C and Erlang A against published values, identities that do not come from the code, a simulation,
and properties (hypothesis)."""

from __future__ import annotations

import heapq
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awn.routing.erlang import (
    agents_for_service_level,
    agents_for_service_level_erlang_a,
    average_speed_of_answer,
    erlang_a_performance,
    erlang_b,
    erlang_c,
    erlang_c_performance,
    occupancy,
    scheduled_with_shrinkage,
    service_level,
    traffic_intensity,
)

# ---- published values ----------------------------------------------------------------------------------------
# The classic example (Call Centre Helper, "Erlang C formula — made simple", callcentrehelper.com/erlang-c-formula-
# example-121281.htm): 100 calls in 30 minutes, AHT 180 s, target 80% answered in 20 s → A = 10 Erlangs, 14 agents.
# Its figures as printed by the CRAN package ErlangC 0.1.0 (Damonsoul, 2024; README of
# https://CRAN.R-project.org/package=ErlangC): with 14 agents P(wait) = 0.1741319, service level = 0.88835,
# ASA = 7.83593701177724 s, occupancy = 0.7142857, immediate answer = 0.8258681; calculate_agents(...,
# require_service_level = 0.8, max_occupancy = 0.85, shrinkage = 0.3) → 14 agents, and its first row (11 agents):
# P(wait) = 0.6821182, service level = 0.3896138.


def test_classic_example_traffic() -> None:
    assert traffic_intensity(100, 30 * 60, 180) == pytest.approx(10.0)


def test_classic_example_14_agents() -> None:
    perf = erlang_c_performance(14, 10.0, 180, 20)
    assert perf.wait_probability == pytest.approx(0.1741319, abs=5e-8)
    assert 1 - perf.wait_probability == pytest.approx(0.8258681, abs=5e-8)
    assert perf.service_level == pytest.approx(0.88835, abs=5e-6)
    assert perf.asa_seconds == pytest.approx(7.83593701177724, rel=1e-9)
    assert perf.occupancy == pytest.approx(0.7142857, abs=5e-8)


def test_classic_example_11_agents() -> None:
    assert erlang_c(11, 10.0) == pytest.approx(0.6821182, abs=5e-8)
    assert service_level(11, 10.0, 180, 20) == pytest.approx(0.3896138, abs=5e-8)


def test_classic_example_needs_14_agents_and_shrinkage() -> None:
    staffing = agents_for_service_level(10.0, 180, 0.8, 20, shrinkage=0.3, max_occupancy=0.85)
    assert staffing.agents == 14
    assert staffing.performance.service_level >= 0.8
    # 14 on the phones with 30% shrinkage: 14 / 0.7 = 20 scheduled.
    assert staffing.scheduled == 20
    # 13 agents fall short of 80/20 (the example's step before 14).
    assert service_level(13, 10.0, 180, 20) < 0.8


# Erlang B table (Erlang B blocking, e.g. the tables in ITU-T "Teletraffic Engineering Handbook", Iversen, 2015,
# Table 4.x and every Erlang B table): 10 circuits offered 5 Erlangs block 1.84%; A = 2 Erlangs on 2 circuits =
# 0.4 (B = A²/2 / (1 + A + A²/2) = 2/5 exactly).
def test_erlang_b_table() -> None:
    assert erlang_b(2, 2.0) == pytest.approx(0.4, abs=1e-15)
    assert erlang_b(10, 5.0) == pytest.approx(0.018385, abs=5e-6)
    assert erlang_b(0, 3.0) == 1.0


def test_erlang_c_closed_forms() -> None:
    # One server (M/M/1): P(wait) = ρ, ASA = ρ/(1−ρ)·AHT. Two servers: P(wait) = 2ρ²/(1+ρ) with ρ = A/2.
    assert erlang_c(1, 0.6) == pytest.approx(0.6)
    assert average_speed_of_answer(1, 0.6, 100) == pytest.approx(0.6 / 0.4 * 100)
    assert erlang_c(2, 1.2) == pytest.approx(2 * 0.6**2 / 1.6)


def test_unstable_and_empty_load() -> None:
    perf = erlang_c_performance(10, 10.0, 180, 20)
    assert perf.wait_probability == 1.0 and perf.service_level == 0.0 and math.isinf(perf.asa_seconds)
    assert erlang_c(3, 0.0) == 0.0
    assert agents_for_service_level(0.0, 180).agents == 0
    assert occupancy(0, 0.0) == 0.0


def test_large_centre_is_stable() -> None:
    """2,000 agents (the results-day peak): no overflow, no NaN; factorials would overflow a float at 171!."""
    perf = erlang_c_performance(2000, 1950.0, 180, 20)
    assert 0 < perf.wait_probability < 1 and 0 < perf.service_level < 1 and math.isfinite(perf.asa_seconds)
    staffing = agents_for_service_level(1950.0, 180)
    assert 1950 < staffing.agents < 2000


@pytest.mark.parametrize(
    "kwargs",
    [
        {"target_service_level": 0},
        {"target_service_level": 1.2},
        {"target_seconds": -1},
        {"shrinkage": 1.0},
        {"shrinkage": -0.1},
        {"max_occupancy": 0},
    ],
)
def test_bad_input_is_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        agents_for_service_level(10.0, 180, **kwargs)


def test_bad_load_is_refused() -> None:
    with pytest.raises(ValueError):
        erlang_c(5, -1.0)
    with pytest.raises(ValueError):
        erlang_c(-1, 1.0)
    with pytest.raises(ValueError):
        traffic_intensity(10, 0, 180)
    with pytest.raises(ValueError):
        erlang_a_performance(5, 4.0, 180, 20, 0)


def test_shrinkage() -> None:
    assert scheduled_with_shrinkage(14, 0.0) == 14
    assert scheduled_with_shrinkage(14, 0.3) == 20
    assert scheduled_with_shrinkage(10, 0.35) == 16  # 15.38 → 16
    assert scheduled_with_shrinkage(0, 0.5) == 0


# ---- Erlang A --------------------------------------------------------------------------------------------------


def _poisson(mean: float, j: int) -> float:
    return math.exp(-mean + j * math.log(mean) - math.lgamma(j + 1))


def test_erlang_a_with_patience_equal_to_handle_time_is_poisson() -> None:
    """When patience = AHT (θ = μ) every caller leaves at the same rate served or not, so the number in the system
    is that of M/M/∞: Poisson(A) (Garnett, Mandelbaum & Reiman, "Designing a call center with impatient
    customers", MSOM 4(3), 2002, §3). Then P(wait) = P(X ≥ N) and P(abandon) = E[(X − N)+] / A."""
    for servers, load in [(12, 10.0), (5, 4.0), (40, 45.0)]:
        perf = erlang_a_performance(servers, load, 180, 20, 180)
        tail = sum(_poisson(load, j) for j in range(servers, 400))
        excess = sum((j - servers) * _poisson(load, j) for j in range(servers, 400))
        assert perf.wait_probability == pytest.approx(tail, rel=1e-9)
        assert perf.abandon_probability == pytest.approx(excess / load, rel=1e-9)


def test_erlang_a_tends_to_erlang_c_when_nobody_abandons() -> None:
    perf = erlang_a_performance(14, 10.0, 180, 20, 1e8)
    assert perf.wait_probability == pytest.approx(0.1741319, abs=1e-6)
    assert perf.service_level == pytest.approx(0.88835, abs=1e-5)
    assert perf.asa_seconds == pytest.approx(7.83593701177724, rel=1e-4)
    assert perf.abandon_probability < 1e-6
    assert erlang_a_performance(14, 10.0, 180, 20, None) == erlang_c_performance(14, 10.0, 180, 20)


def _simulate(
    servers: int, load: float, aht: float, patience: float, target: float, n: int
) -> dict[str, float]:
    """FCFS M/M/N+M by simulation (independent of the formulas): each caller takes the earliest free agent if
    that comes before her patience runs out, else leaves; those who leave never hold an agent."""
    rng = random.Random(20261207)
    rate = load / aht
    free = [0.0] * servers
    clock = 0.0
    waited = in_time = abandoned = answered = 0
    total_answer_wait = 0.0
    for _ in range(n):
        clock += rng.expovariate(rate)
        earliest = free[0]
        start = max(clock, earliest)
        if start - clock > rng.expovariate(1 / patience):
            abandoned += 1
            waited += 1
            continue
        waited += start > clock
        answered += 1
        total_answer_wait += start - clock
        in_time += start - clock <= target
        heapq.heapreplace(free, start + rng.expovariate(1 / aht))
    return {
        "wait": waited / n,
        "abandon": abandoned / n,
        "sl": in_time / n,
        "asa": total_answer_wait / answered,
    }


def test_erlang_a_matches_a_simulation() -> None:
    sim = _simulate(servers=8, load=8.0, aht=180, patience=120, target=20, n=300_000)
    perf = erlang_a_performance(8, 8.0, 180, 20, 120)
    assert perf.wait_probability == pytest.approx(sim["wait"], abs=0.01)
    assert perf.abandon_probability == pytest.approx(sim["abandon"], abs=0.01)
    assert perf.service_level == pytest.approx(sim["sl"], abs=0.01)
    assert perf.asa_seconds == pytest.approx(sim["asa"], rel=0.05)


def test_erlang_a_staffing() -> None:
    plan = agents_for_service_level_erlang_a(10.0, 180, patience_seconds=120, shrinkage=0.3)
    # Abandonment shortens the line: never more agents than Erlang C asks for, and the plan meets its target
    # while one agent fewer does not.
    assert plan.agents <= agents_for_service_level(10.0, 180).agents
    assert plan.performance.service_level >= 0.8
    assert erlang_a_performance(plan.agents - 1, 10.0, 180, 20, 120).service_level < 0.8
    assert plan.scheduled == scheduled_with_shrinkage(plan.agents, 0.3)


# ---- properties ------------------------------------------------------------------------------------------------

loads = st.floats(min_value=0.1, max_value=300.0, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(
    load=loads, extra=st.integers(min_value=1, max_value=60), target=st.integers(min_value=0, max_value=120)
)
def test_more_agents_serve_better(load: float, extra: int, target: int) -> None:
    n = math.floor(load) + extra
    a, b = erlang_c_performance(n, load, 180, target), erlang_c_performance(n + 1, load, 180, target)
    assert b.wait_probability <= a.wait_probability + 1e-12
    assert b.service_level >= a.service_level - 1e-12
    assert b.asa_seconds <= a.asa_seconds + 1e-9
    assert b.occupancy < a.occupancy
    assert 0 <= a.service_level <= 1 and 0 <= a.wait_probability <= 1
    # Erlang C waits at least as often as Erlang B blocks (the queue holds whom B would turn away).
    assert erlang_c(n, load) >= erlang_b(n, load) - 1e-12


@settings(max_examples=100, deadline=None)
@given(
    load=loads,
    target_sl=st.floats(min_value=0.5, max_value=0.99),
    target=st.integers(min_value=5, max_value=60),
)
def test_staffing_is_the_fewest_agents(load: float, target_sl: float, target: int) -> None:
    plan = agents_for_service_level(load, 180, target_sl, target)
    assert plan.performance.service_level >= target_sl
    prev = plan.agents - 1
    assert prev <= load or service_level(prev, load, 180, target) < target_sl


@settings(max_examples=60, deadline=None)
@given(
    load=st.floats(min_value=0.5, max_value=80.0),
    servers=st.integers(min_value=1, max_value=100),
    patience=st.floats(min_value=10.0, max_value=2000.0),
)
def test_erlang_a_properties(load: float, servers: int, patience: float) -> None:
    perf = erlang_a_performance(servers, load, 180, 20, patience)
    more = erlang_a_performance(servers + 1, load, 180, 20, patience)
    assert 0 <= perf.abandon_probability <= perf.wait_probability <= 1
    assert more.service_level >= perf.service_level - 1e-9
    assert more.abandon_probability <= perf.abandon_probability + 1e-12
    # The flow balances: what is carried equals what the agents are busy with, at most one per agent.
    assert 0 <= perf.occupancy <= 1
    # Against the same agents without abandonment, callers abandon so the rest wait less.
    if servers > load:
        c = erlang_c_performance(servers, load, 180, 20)
        assert perf.wait_probability <= c.wait_probability + 1e-9
