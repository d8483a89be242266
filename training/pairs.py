"""Training groups: each judged positive with hard negatives mined from the first stage.

A group is (query, positive, negatives). Hard negatives are first-stage hits that are not judged
relevant; they are sampled (seeded) from the top `negative_pool` so an epoch does not always see the
same few. The listwise loss reads a group as one softmax; BCE reads it as 1 positive + k negative pairs.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from search_cluster.beir import Qrels, Run


@dataclass(frozen=True)
class Group:
    query_id: str
    query: str
    positive: str
    negatives: tuple[str, ...]

    @property
    def texts(self) -> list[str]:
        return [self.positive, *self.negatives]


@dataclass(frozen=True)
class MiningStats:
    groups: int
    queries: int
    positives_missing_text: int
    queries_without_negatives: int


def split_queries(query_ids: Sequence[str], val_fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """Seeded train/validation split of query ids (validation never sees a training query)."""
    ordered = sorted(query_ids)
    random.Random(seed).shuffle(ordered)
    n_val = max(1, round(len(ordered) * val_fraction))
    if n_val >= len(ordered):
        raise ValueError(f"need at least 2 judged queries to hold some out for validation, got {len(ordered)}")
    return sorted(ordered[n_val:]), sorted(ordered[:n_val])


def mine_groups(
    query_ids: Sequence[str],
    queries: Mapping[str, str],
    qrels: Qrels,
    run: Run,
    documents: Mapping[str, str],
    negatives: int,
    negative_pool: int,
    random_negatives: int,
    seed: int,
    epoch: int = 0,
) -> tuple[list[Group], MiningStats]:
    """One group per (query, judged positive); negatives re-sampled per epoch from a seeded RNG."""
    rng = random.Random(f"{seed}:{epoch}")
    pool_all = sorted(documents)
    groups: list[Group] = []
    missing = without_negatives = 0
    for qid in query_ids:
        judged = qrels.get(qid, {})
        positives = sorted(doc for doc, grade in judged.items() if grade > 0)
        hard = [doc for doc, _ in run.get(qid, [])[:negative_pool] if judged.get(doc, 0) <= 0]
        if not hard:
            without_negatives += 1
            continue
        for positive in positives:
            if positive not in documents:
                missing += 1
                continue
            chosen = rng.sample(hard, min(negatives, len(hard)))
            # cyclic fill keeps every group the same size (a softmax over a fixed k) when hits are few
            chosen += [hard[i % len(hard)] for i in range(negatives - len(chosen))]
            extra: list[str] = []
            for _ in range(random_negatives * 20):  # bounded: a tiny pool may hold too few candidates
                if len(extra) >= random_negatives:
                    break
                doc = rng.choice(pool_all)
                if judged.get(doc, 0) <= 0 and doc not in chosen and doc not in extra:
                    extra.append(doc)
            groups.append(Group(qid, queries[qid], documents[positive], tuple(documents[d] for d in chosen + extra)))
    rng.shuffle(groups)
    stats = MiningStats(len(groups), len({g.query_id for g in groups}), missing, without_negatives)
    return groups, stats
