"""Train and select the reranker (awn/assistant/rerank.py) by cross-validation grouped by paraphrase family.

    nice -n 10 .venv/bin/python -m bench.assistant.rerank --folds 5             # figures only
    nice -n 10 .venv/bin/python -m bench.assistant.rerank --folds 5 --write     # and write the weights file

Reads only the training corpus (awn/assistant/data/corpus, data card beside it) against the knowledge base it was
written from (../shared/eval/kb.jsonl); the dev file is never an input. Every row with an article (`kb_id`) is
retrieved once (the e5 vectors are cached under var/models/ with the decision's) and its first TOP_K articles
featurized. Folds: StratifiedGroupKFold on the article, grouped by family, seed 0. For each fold a pairwise
logistic regression (the right article's features minus each other candidate's, both signs, no intercept) is fitted
on the other folds, and the fold's rows are re-ordered by it. Top-1 is measured on the answerable rows (decision
`answer`), as bench/assistant/selection.py measures it, with and without the reranker, with 95% bootstrap intervals
that resample families, and on the paired neighbour questions of contrast_a.jsonl. The grid (C × with/without the
learned word weights) is chosen on the same folds: a small optimism in the chosen model's figure.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .corpus import DEFAULT_KB, kb_docs, load_corpus, setup_django

GRID_C = (0.1, 1.0, 10.0)


@dataclass
class Featurized:
    """Per corpus row with an article: its candidates and where the right article sits among them (-1: absent)."""

    rows: list[dict[str, Any]]
    features: list[np.ndarray]
    buckets: list[tuple[tuple[int, ...], ...]]
    gold: np.ndarray
    groups: np.ndarray
    strata: np.ndarray
    answerable: np.ndarray
    contrast: np.ndarray  # the row is one of contrast_a's paired neighbour questions
    seconds: np.ndarray  # CPU seconds of candidates() per row (the reranker's own cost, retrieval excluded)
    words: list[list[str]]  # question_words of each row
    vectors: np.ndarray  # e5 query vector of each row (zeros without dense retrieval)
    candidate_ids: list[list[str]]  # the candidates' article ids, in retrieval's order
    embedder: str
    profile: list[np.ndarray | None] | None = (
        None  # profile features of the current fold (set by with_profiles)
    )


def featurize(kb_path: Path) -> Featurized:
    from awn.assistant.embeddings import default_embedder
    from awn.assistant.rerank import candidates, question_words
    from awn.assistant.retrieval import KnowledgeIndex

    from .corpus import _query_vectors

    rows = [r for r in load_corpus() if r.get("kb_id")]
    embedder = default_embedder()
    index = KnowledgeIndex(kb_docs(kb_path), embedder=embedder)
    vectors: list[Any] = [None] * len(rows)
    if index.dense_enabled:
        vectors = list(_query_vectors([r["text"] for r in rows], embedder, cache=True))
    position = {doc.external_id: i for i, doc in enumerate(index.docs)}
    features, buckets, gold, seconds, ids = [], [], [], [], []
    for row, vector in zip(rows, vectors, strict=True):
        ranking = index.rank(row["text"], vector=vector)
        started = time.process_time()
        found = candidates(row["text"], ranking, index)
        seconds.append(time.process_time() - started)
        features.append(found.features)
        buckets.append(found.buckets)
        ids.append([index.docs[i].external_id for i in found.rows])
        where = np.flatnonzero(found.rows == position.get(row["kb_id"], -1))
        gold.append(int(where[0]) if len(where) else -1)
    families = {name: i for i, name in enumerate(sorted({r["family"] for r in rows}))}
    articles = {name: i for i, name in enumerate(sorted({r["kb_id"] for r in rows}))}
    return Featurized(
        rows,
        features,
        buckets,
        np.array(gold),
        np.array([families[r["family"]] for r in rows]),
        np.array([articles[r["kb_id"]] for r in rows]),
        np.array([r["decision"] == "answer" for r in rows]),
        np.array([r["family"].startswith("contrast_a-") for r in rows]),
        np.array(seconds),
        [question_words(r["text"]) for r in rows],
        np.stack([np.zeros(384, dtype=np.float32) if v is None else v for v in vectors]),
        ids,
        embedder.name if index.dense_enabled and embedder is not None else "",
    )


# The profiles' article classifier: ridge regression on one-hot articles over the e5 vectors (closed form). Not tuned.
ARTICLE_RIDGE = 1.0


_profiles_cache: dict[bytes, Any] = {}


def profiles_of(data: Featurized, rows: np.ndarray) -> Any:
    """The profiles of `rows` (memoized: every grid point reads the same folds)."""
    key = np.sort(rows).tobytes()
    if key not in _profiles_cache:
        _profiles_cache[key] = _fit_profiles(data, rows)
    return _profiles_cache[key]


def _fit_profiles(data: Featurized, rows: np.ndarray) -> Any:
    from awn.assistant.rerank import Profiles

    ids = sorted({data.rows[i]["kb_id"] for i in rows})
    where = {kb: n for n, kb in enumerate(ids)}
    x = data.vectors[rows].astype(np.float64)
    mean = x.mean(axis=0)
    target = np.zeros((len(rows), len(ids)))
    target[np.arange(len(rows)), [where[data.rows[i]["kb_id"]] for i in rows]] = 1.0
    centred = x - mean
    weights = np.linalg.solve(
        centred.T @ centred + ARTICLE_RIDGE * np.eye(x.shape[1]), centred.T @ (target - target.mean(axis=0))
    ).T
    bias = target.mean(axis=0) - weights @ mean
    return Profiles.fit(
        data.embedder,
        [(data.rows[i]["kb_id"], data.words[i], data.vectors[i]) for i in rows],
        (weights, bias),
    )


def profile_features(data: Featurized, rows: np.ndarray, profiles: Any) -> dict[int, np.ndarray | None]:
    return {int(i): profiles.features(data.words[i], data.vectors[i], data.candidate_ids[i]) for i in rows}


def cross_fitted_profiles(
    data: Featurized, train: np.ndarray, fold: np.ndarray
) -> dict[int, np.ndarray | None]:
    """Profile features of the training rows, each from profiles made without its own fold (a row's own question
    in its article's profile would make the profile look surer than it is on a new question)."""
    out: dict[int, np.ndarray | None] = {}
    for number in sorted(set(fold[train].tolist())):
        own = train[fold[train] == number]
        others = train[fold[train] != number]
        out.update(profile_features(data, own, profiles_of(data, others)))
    return out


def _pair_design(
    data: Featurized, rows: np.ndarray, words: bool, profile: dict[int, np.ndarray | None] | None
) -> tuple[Any, np.ndarray]:
    from scipy import sparse

    from awn.assistant.rerank import FEATURE_NAMES, PROFILE_NAMES, WORD_BUCKETS

    dense_width = len(FEATURE_NAMES) + (len(PROFILE_NAMES) if profile is not None else 0)
    width = dense_width + (WORD_BUCKETS if words else 0)
    indptr: list[int] = [0]
    indices: list[int] = []
    values: list[float] = []
    labels: list[int] = []

    def row_vector(i: int, place: int) -> dict[int, float]:
        numbers = list(data.features[i][place])
        if profile is not None:
            numbers += list(profile[int(i)][place])  # type: ignore[index]
        vector = {j: float(v) for j, v in enumerate(numbers) if v}
        if words:
            for bucket in data.buckets[i][place]:
                vector[dense_width + bucket] = vector.get(dense_width + bucket, 0.0) + 1.0
        return vector

    for i in rows:
        right = int(data.gold[i])
        if right < 0 or (profile is not None and profile.get(int(i)) is None):
            continue
        positive = row_vector(i, right)
        for other in range(len(data.features[i])):
            if other == right:
                continue
            negative = row_vector(i, other)
            difference = dict(positive)
            for j, v in negative.items():
                difference[j] = difference.get(j, 0.0) - v
            for sign, label in ((1.0, 1), (-1.0, 0)):
                keys = sorted(difference)
                indices.extend(keys)
                values.extend(sign * difference[j] for j in keys)
                indptr.append(len(indices))
                labels.append(label)
    design = sparse.csr_matrix((values, indices, indptr), shape=(len(labels), width), dtype=np.float64)
    return design, np.array(labels)


@dataclass(frozen=True)
class Variant:
    c: float
    words: bool
    profiles: bool

    def label(self) -> str:
        return (
            f"C={self.c:g} words={'on' if self.words else 'off'} profiles={'on' if self.profiles else 'off'}"
        )


def _weights(
    data: Featurized, rows: np.ndarray, variant: Variant, profile: dict[int, np.ndarray | None] | None
) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    from awn.assistant.rerank import FEATURE_NAMES, PROFILE_NAMES, WORD_BUCKETS

    design, labels = _pair_design(data, rows, variant.words, profile)
    model = LogisticRegression(C=variant.c, fit_intercept=False, max_iter=3000).fit(design, labels)
    coef = model.coef_[0]
    width = len(FEATURE_NAMES) + (len(PROFILE_NAMES) if profile is not None else 0)
    word_weights = coef[width:] if variant.words else np.zeros(WORD_BUCKETS)
    return coef[:width].copy(), np.asarray(word_weights, dtype=np.float64).copy()


def fit(data: Featurized, rows: np.ndarray, variant: Variant, fold: np.ndarray) -> Any:
    """The reranker fitted on `rows`: the generic weights always, the profiled ones when the variant reads
    profiles (profiles from every row of `rows`, the training rows' profile features cross-fitted on `fold`)."""
    from awn.assistant.rerank import Reranker

    weights, word_weights = _weights(data, rows, variant, None)
    if not variant.profiles or not data.embedder:
        return Reranker(weights, word_weights)
    profiled, profiled_words = _weights(data, rows, variant, cross_fitted_profiles(data, rows, fold))
    return Reranker(
        weights,
        word_weights,
        profiles=profiles_of(data, rows),
        profiled_weights=profiled,
        profiled_word_weights=profiled_words,
    )


def reranked_first(data: Featurized, rows: np.ndarray, reranker: Any) -> np.ndarray:
    """For each row, the candidate position the reranker puts first."""
    from awn.assistant.rerank import Candidates

    profile = profile_features(data, rows, reranker.profiles) if reranker.profiles is not None else {}
    first = np.zeros(len(rows), dtype=int)
    for n, i in enumerate(rows):
        found = Candidates(
            np.arange(len(data.features[i])), data.features[i], data.buckets[i], profile.get(int(i))
        )
        if len(found.rows):
            first[n] = int(reranker.order(found)[0])
    return first


def folds(data: Featurized, k: int, seed: int = 0) -> np.ndarray:
    from sklearn.model_selection import StratifiedGroupKFold

    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    fold = np.zeros(len(data.gold), dtype=int)
    for number, (_, test) in enumerate(splitter.split(np.zeros(len(fold)), data.strata, data.groups)):
        fold[test] = number
    return fold


def out_of_fold_first(data: Featurized, fold: np.ndarray, variant: Variant) -> np.ndarray:
    first = np.zeros(len(data.gold), dtype=int)
    for number in range(fold.max() + 1):
        train, test = np.flatnonzero(fold != number), np.flatnonzero(fold == number)
        first[test] = reranked_first(data, test, fit(data, train, variant, fold))
    return first


def top1_with_interval(
    right: np.ndarray, groups: np.ndarray, reps: int = 1000, seed: int = 0
) -> tuple[float, float, float]:
    """Top-1 with its 95% bootstrap interval, resampling families."""
    members: dict[int, list[int]] = {}
    for row, group in enumerate(groups):
        members.setdefault(int(group), []).append(row)
    names = list(members)
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(reps):
        chosen = rng.choice(len(names), size=len(names), replace=True)
        rows = np.fromiter((r for c in chosen for r in members[names[c]]), dtype=int)
        samples.append(float(right[rows].mean()))
    return float(right.mean()), float(np.percentile(samples, 2.5)), float(np.percentile(samples, 97.5))


def paired_difference(
    before: np.ndarray, after: np.ndarray, groups: np.ndarray, reps: int = 1000, seed: int = 0
) -> tuple[float, float, float]:
    """after − before with its 95% bootstrap interval over families (the same resample for both)."""
    members: dict[int, list[int]] = {}
    for row, group in enumerate(groups):
        members.setdefault(int(group), []).append(row)
    names = list(members)
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(reps):
        chosen = rng.choice(len(names), size=len(names), replace=True)
        rows = np.fromiter((r for c in chosen for r in members[names[c]]), dtype=int)
        samples.append(float(after[rows].mean() - before[rows].mean()))
    point = float(after.mean() - before.mean())
    return point, float(np.percentile(samples, 2.5)), float(np.percentile(samples, 97.5))


def confusions(
    data: Featurized, first: np.ndarray, rows: np.ndarray, limit: int = 12
) -> list[tuple[str, int]]:
    """The most frequent (right article → article put first) errors among `rows`."""
    counts: dict[str, int] = {}
    for i in rows:
        if first[i] != data.gold[i] and data.candidate_ids[i]:
            got = data.candidate_ids[i][first[i]]
            beyond = " (right one beyond the candidates)" if data.gold[i] < 0 else ""
            key = f"{data.rows[i]['kb_id']} → {got}{beyond}"
            counts[key] = counts.get(key, 0) + 1
    return sorted(counts.items(), key=lambda item: -item[1])[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="fit the chosen model on every row and write it")
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    parser.add_argument("--only", default="", help="run the grid points whose label contains this")
    args = parser.parse_args()
    setup_django()
    from awn.assistant.rerank import RERANK_FILE

    started = time.perf_counter()
    data = featurize(args.kb)
    print(f"featurized {len(data.gold)} rows in {time.perf_counter() - started:.0f} s", flush=True)
    fold = folds(data, args.folds)
    scored = np.flatnonzero(data.answerable)
    # Without the reranker the first candidate is retrieval's first (position 0).
    baseline = data.gold[scored] == 0
    report: dict[str, Any] = {
        "rows": len(data.gold),
        "answerable_rows": len(scored),
        "families": len(set(data.groups[scored].tolist())),
        "folds": args.folds,
        "right_in_top_k": float((data.gold[scored] >= 0).mean()),
        "retrieval_top1": top1_with_interval(baseline, data.groups[scored]),
        "grid": {},
    }
    contrast = np.flatnonzero(data.answerable & data.contrast)
    variants = [
        Variant(c, words, profiles) for profiles in (False, True) for words in (False, True) for c in GRID_C
    ]
    if args.only:
        variants = [v for v in variants if args.only in v.label()]
    best: tuple[float, Variant] | None = None
    firsts: dict[Variant, np.ndarray] = {}
    for variant in variants:
        first = out_of_fold_first(data, fold, variant)
        firsts[variant] = first
        top1 = float((first[scored] == data.gold[scored]).mean())
        report["grid"][variant.label()] = round(top1, 4)
        print(f"  {variant.label()}: top-1 {top1:.4f}", flush=True)
        if best is None or top1 > best[0]:
            best = (top1, variant)
    assert best is not None
    chosen = best[1]
    first = firsts[chosen]
    after = first[scored] == data.gold[scored]
    report["chosen"] = chosen.label()
    report["reranked_top1"] = top1_with_interval(after, data.groups[scored])
    report["difference"] = paired_difference(baseline, after, data.groups[scored])
    if len(contrast):
        report["contrast_rows"] = len(contrast)
        report["contrast_retrieval_top1"] = float((data.gold[contrast] == 0).mean())
        report["contrast_reranked_top1"] = float((first[contrast] == data.gold[contrast]).mean())
    report["errors_before"] = confusions(data, np.zeros(len(data.gold), dtype=int), scored)
    report["errors_after"] = confusions(data, first, scored)
    report["cpu_ms_per_question"] = {
        "p50": round(float(np.percentile(data.seconds, 50)) * 1000, 3),
        "p95": round(float(np.percentile(data.seconds, 95)) * 1000, 3),
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.write:
        if report["difference"][0] <= 0:
            print("the reranker does not help on cross-validation: no weights written")
            return
        fit(data, np.arange(len(data.gold)), chosen, fold).save(RERANK_FILE)
        print(f"wrote {RERANK_FILE}")


if __name__ == "__main__":
    main()
