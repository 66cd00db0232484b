"""Workforce maths: Erlang C (M/M/N) and Erlang A (M/M/N+M, callers who abandon) — pure, no Django.

Units: the offered load (traffic) is in Erlangs, A = arrivals per second × average handle time (AHT) in seconds;
times are seconds. Everything is computed from the Erlang B recursion B(0) = 1, B(n) = A·B(n-1) / (n + A·B(n-1)),
which never forms A**N or N! and stays in [0, 1] for any size: 1,000 agents cost 1,000 multiply-adds.

Erlang C (no abandonment): P(wait) = N·B / (N − A·(1 − B)) for N > A (else every caller waits for ever);
service level SL(t) = 1 − P(wait)·exp(−(N − A)·t / AHT); ASA = P(wait)·AHT / (N − A); occupancy = A / N.

Erlang A (Palm's model, exponential patience with mean `patience` seconds): the number of callers in the system is
a birth–death chain with birth rate λ and death rate min(j, N)·μ + max(j − N, 0)·θ (θ = 1/patience), summed in
log space until the terms vanish. A caller who finds k others queued moves forward at rates Nμ + iθ (i = k+1 … 1,
counting her own patience); she is answered with probability x / (x + k + 1) (x = Nμ/θ, the product telescopes)
and, if so, within t with probability 1 − I_y(x + 1, k + 1) where y = exp(−θt) and I is the regularized incomplete
beta function (the sum of those exponentials), computed by its all-positive recursion in k. "Service level" for
Erlang A is the share of ALL arrivals answered within t (an abandoned caller did not get the service level).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_AGENTS = 100_000
_MAX_QUEUE_TERMS = 2_000_000
_TINY = 1e-17


# ---- inputs ------------------------------------------------------------------------------------------------


def traffic_intensity(contacts: float, interval_seconds: float, aht_seconds: float) -> float:
    """Offered load in Erlangs: `contacts` arriving over `interval_seconds`, each taking `aht_seconds`."""
    if contacts < 0 or interval_seconds <= 0 or aht_seconds <= 0:
        raise ValueError("contacts >= 0, interval > 0 and AHT > 0 are required")
    return contacts * aht_seconds / interval_seconds


def _check(servers: int, traffic: float) -> None:
    if servers < 0 or servers > MAX_AGENTS:
        raise ValueError(f"servers must be between 0 and {MAX_AGENTS}")
    if traffic < 0 or not math.isfinite(traffic):
        raise ValueError("traffic must be a finite number >= 0")


def scheduled_with_shrinkage(agents: int, shrinkage: float) -> int:
    """Agents to schedule so that `agents` are on the phones when a share `shrinkage` is away (breaks,
    training, absence): ceil(agents / (1 − shrinkage))."""
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage must be in [0, 1)")
    # The small epsilon keeps 14 / 0.7 = 20.000000000000004 at 20.
    return math.ceil(agents / (1 - shrinkage) - 1e-9) if agents else 0


# ---- Erlang B and C ----------------------------------------------------------------------------------------


def erlang_b(servers: int, traffic: float) -> float:
    """Blocking probability of N servers offered A Erlangs without a queue (the Erlang B recursion)."""
    _check(servers, traffic)
    b = 1.0
    for n in range(1, servers + 1):
        b = traffic * b / (n + traffic * b)
    return b


def _c_from_b(servers: int, traffic: float, b: float) -> float:
    if servers <= traffic:
        return 1.0
    return servers * b / (servers - traffic * (1 - b))


def erlang_c(servers: int, traffic: float) -> float:
    """Probability that a caller waits (all N agents busy); 1 when N <= A (the queue grows for ever)."""
    return _c_from_b(servers, traffic, erlang_b(servers, traffic))


@dataclass(frozen=True)
class Performance:
    agents: int  # agents answering (on the phones)
    traffic: float  # Erlangs
    wait_probability: float
    service_level: float  # share of ALL arrivals answered within the target time
    asa_seconds: float  # average speed of answer (math.inf when the queue is unstable)
    occupancy: float  # share of the agents' time spent handling contacts
    abandon_probability: float = 0.0  # Erlang A only
    average_wait_seconds: float = 0.0  # Erlang A: mean time in the queue of every arrival (answered or not)


def _c_performance(servers: int, traffic: float, aht: float, target: float, b: float) -> Performance:
    c = _c_from_b(servers, traffic, b)
    if servers <= traffic:
        return Performance(servers, traffic, 1.0, 0.0, math.inf, 1.0 if servers else 0.0)
    sl = 1.0 - c * math.exp(-(servers - traffic) * target / aht)
    asa = c * aht / (servers - traffic)
    return Performance(servers, traffic, c, max(0.0, min(1.0, sl)), asa, traffic / servers, 0.0, asa)


def erlang_c_performance(
    servers: int, traffic: float, aht_seconds: float, target_seconds: float
) -> Performance:
    """P(wait), service level within `target_seconds`, ASA and occupancy of N agents offered A Erlangs."""
    if aht_seconds <= 0 or target_seconds < 0:
        raise ValueError("AHT > 0 and a target >= 0 are required")
    return _c_performance(servers, traffic, aht_seconds, target_seconds, erlang_b(servers, traffic))


def service_level(servers: int, traffic: float, aht_seconds: float, target_seconds: float) -> float:
    return erlang_c_performance(servers, traffic, aht_seconds, target_seconds).service_level


def average_speed_of_answer(servers: int, traffic: float, aht_seconds: float) -> float:
    return erlang_c_performance(servers, traffic, aht_seconds, 0).asa_seconds


def occupancy(servers: int, traffic: float) -> float:
    _check(servers, traffic)
    return min(1.0, traffic / servers) if servers else 0.0


# ---- Erlang A ----------------------------------------------------------------------------------------------


def _regularized_beta_upper_steps(y: float, p: float, count: int) -> list[float]:
    """[I_y(p, 1), I_y(p, 2), …, I_y(p, count)] by I_y(p, b+1) = I_y(p, b) + T_b with T_1 = p·y^p·(1−y) and
    T_{b+1} = T_b·(1−y)·(p+b)/(b+1): every term is positive, so nothing cancels."""
    out: list[float] = []
    if count <= 0:
        return out
    if y <= 0.0:
        return [0.0] * count
    if y >= 1.0:
        return [1.0] * count
    log_y = math.log(y)
    log_1my = math.log1p(-y)
    log_i = p * log_y  # I_y(p, 1) = y^p
    log_t = math.log(p) + p * log_y + log_1my
    value = math.exp(log_i)
    for b in range(1, count + 1):
        out.append(min(1.0, value))
        value += math.exp(log_t)
        log_t += log_1my + math.log((p + b) / (b + 1))
    return out


def erlang_a_performance(
    servers: int,
    traffic: float,
    aht_seconds: float,
    target_seconds: float,
    patience_seconds: float | None,
) -> Performance:
    """Erlang A: callers abandon after an exponential patience with mean `patience_seconds` (None: they never do,
    which is Erlang C). Always stable: with abandonment the queue cannot grow for ever."""
    if aht_seconds <= 0 or target_seconds < 0:
        raise ValueError("AHT > 0 and a target >= 0 are required")
    if patience_seconds is None:
        return erlang_c_performance(servers, traffic, aht_seconds, target_seconds)
    if patience_seconds <= 0:
        raise ValueError("patience must be > 0 seconds")
    b = erlang_b(servers, traffic)
    if traffic == 0:
        return Performance(servers, 0.0, 0.0, 1.0, 0.0, 0.0)
    # Time in units of the AHT: service rate 1 per agent, arrival rate A, abandonment rate g per waiting caller.
    g = aht_seconds / patience_seconds
    # log q_k = log Π_{i=1..k} A / (N + i·g): the weight of k queued callers relative to all N agents busy.
    logs = [0.0]
    log_a = math.log(traffic)
    log_tiny = math.log(_TINY)
    top = 0.0
    k = 0
    while True:
        k += 1
        if k > _MAX_QUEUE_TERMS:
            raise ValueError("the patience is too long for this load: use Erlang C (no abandonment)")
        step = log_a - math.log(servers + k * g)
        logs.append(logs[-1] + step)
        top = max(top, logs[-1])
        if step < 0 and logs[-1] < log_tiny + top:
            break
    weights = [math.exp(v - top) for v in logs]  # k = 0 … K, relative to the largest
    busy_mass = sum(weights)
    # States below N: Σ_{j<N} p_j / p_N = 1/B − 1 (zero when there are no agents).
    low_mass = (1.0 / b - 1.0) * math.exp(-top) if servers else 0.0
    total = low_mass + busy_mass
    p_wait = busy_mass / total
    queued = sum(i * w for i, w in enumerate(weights)) / total  # E[callers waiting]
    p_abandon = min(1.0, g * queued / traffic)
    average_wait = queued / traffic * aht_seconds  # Little's law over every arrival
    # A caller who finds k queued is answered with probability x/(x+k+1), within t with 1 − I_y(x+1, k+1).
    x = servers / g
    y = math.exp(-target_seconds / patience_seconds)
    betas = _regularized_beta_upper_steps(y, x + 1, len(weights)) if servers else []
    answered_in_time = 0.0
    answered_wait = 0.0
    answered_waiting = 0.0
    harmonic = 0.0  # Σ_{i=1..k+1} 1/(x+i), the mean wait (in units of patience) of an answered caller
    for i, w in enumerate(weights):
        if not servers:
            break
        share = w / total
        served = x / (x + i + 1)
        harmonic += 1.0 / (x + i + 1)
        answered_in_time += share * served * (1.0 - betas[i])
        answered_waiting += share * served
        answered_wait += share * served * harmonic * patience_seconds
    p_no_wait = 1.0 - p_wait
    answered = p_no_wait + answered_waiting
    asa = answered_wait / answered if answered > 0 else math.inf
    carried = traffic * (1.0 - p_abandon)
    return Performance(
        agents=servers,
        traffic=traffic,
        wait_probability=p_wait,
        service_level=max(0.0, min(1.0, p_no_wait + answered_in_time)),
        asa_seconds=asa,
        occupancy=min(1.0, carried / servers) if servers else 0.0,
        abandon_probability=p_abandon,
        average_wait_seconds=average_wait,
    )


# ---- staffing ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Staffing:
    performance: Performance  # of the agents answering
    scheduled: int  # agents to schedule once shrinkage is added

    @property
    def agents(self) -> int:
        return self.performance.agents


def _validate_targets(
    target_service_level: float, target_seconds: float, max_occupancy: float | None
) -> None:
    if not 0 < target_service_level < 1:
        raise ValueError("the target service level must be between 0 and 1 (exclusive)")
    if target_seconds < 0:
        raise ValueError("the target answer time must be >= 0 seconds")
    if max_occupancy is not None and not 0 < max_occupancy <= 1:
        raise ValueError("the maximum occupancy must be in (0, 1]")


def agents_for_service_level(
    traffic: float,
    aht_seconds: float,
    target_service_level: float = 0.8,
    target_seconds: float = 20,
    shrinkage: float = 0.0,
    max_occupancy: float | None = None,
) -> Staffing:
    """Erlang C: the fewest agents whose service level reaches the target (80% in 20 s by default) and whose
    occupancy stays at or under `max_occupancy`; then scheduled = ceil(agents / (1 − shrinkage)). One pass of the
    Erlang B recursion from 1 agent upwards: O(N)."""
    _validate_targets(target_service_level, target_seconds, max_occupancy)
    _check(0, traffic)
    if aht_seconds <= 0:
        raise ValueError("AHT > 0 is required")
    if traffic == 0:
        return Staffing(Performance(0, 0.0, 0.0, 1.0, 0.0, 0.0), 0)
    b = 1.0
    for n in range(1, MAX_AGENTS + 1):
        b = traffic * b / (n + traffic * b)
        if n <= traffic or (max_occupancy is not None and traffic / n > max_occupancy):
            continue
        perf = _c_performance(n, traffic, aht_seconds, target_seconds, b)
        if perf.service_level >= target_service_level:
            return Staffing(perf, scheduled_with_shrinkage(n, shrinkage))
    raise ValueError(f"more than {MAX_AGENTS} agents would be needed")


def agents_for_service_level_erlang_a(
    traffic: float,
    aht_seconds: float,
    patience_seconds: float,
    target_service_level: float = 0.8,
    target_seconds: float = 20,
    shrinkage: float = 0.0,
    max_occupancy: float | None = None,
) -> Staffing:
    """Erlang A: the fewest agents reaching the target service level (answered within the target over every
    arrival, abandoned callers included). The service level rises with N, so a doubling then a bisection."""
    _validate_targets(target_service_level, target_seconds, max_occupancy)
    _check(0, traffic)
    if traffic == 0:
        return Staffing(Performance(0, 0.0, 0.0, 1.0, 0.0, 0.0), 0)

    def ok(n: int) -> bool:
        if max_occupancy is not None and n and traffic / n > max_occupancy:
            return False
        perf = erlang_a_performance(n, traffic, aht_seconds, target_seconds, patience_seconds)
        return perf.service_level >= target_service_level

    # Start from the Erlang C answer (abandonment rarely needs more), then gallop down and bisect.
    try:
        high = agents_for_service_level(traffic, aht_seconds, target_service_level, target_seconds).agents
    except ValueError:
        high = MAX_AGENTS
    while not ok(high):
        if high >= MAX_AGENTS:
            raise ValueError(f"more than {MAX_AGENTS} agents would be needed")
        high = min(MAX_AGENTS, high * 2)
    step = 1
    while high - step >= 0 and ok(high - step):
        high -= step
        step *= 2
    low = max(-1, high - step)  # not ok (or below zero)
    while high - low > 1:
        mid = (low + high) // 2
        if ok(mid):
            high = mid
        else:
            low = mid
    perf = erlang_a_performance(high, traffic, aht_seconds, target_seconds, patience_seconds)
    return Staffing(perf, scheduled_with_shrinkage(high, shrinkage))
