"""`curator sample`: draw a review batch that estimates each source's approval rate.

Stratified: a simple random sample of each stratum (source), sizes proportional to the
strata (at least one each). Diverse: the same, but over near-duplicate clusters (one
representative each), so the estimate is of the source's distinct content. Members are served
before the rest of the queue; `curator audit` turns their outcomes into the estimate.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from curator.audit.estimate import SampleEstimate, estimate
from curator.errors import InvalidInputError, NotFoundError
from curator.models import User, UserRole, utcnow
from curator.services import queue_order
from curator.services.users import require
from curator.store import Store, queue_ranks

SAMPLE_STRATEGIES = ("stratified", "diverse")
BY = ("source", "none")
MAX_SAMPLE = 100_000


@dataclass(frozen=True)
class SampleBatch:
    id: int
    strategy: str
    by: str
    size: int
    strata: dict[str, int]  # stratum -> examples drawn

    def to_json(self) -> dict[str, object]:
        return {"batch": self.id, "strategy": self.strategy, "by": self.by, "size": self.size, "strata": self.strata}


def allocate(sizes: Mapping[str, int], n: int) -> dict[str, int]:
    """Proportional allocation of n over strata (largest remainder); then every stratum gets at
    least one when n allows, taken from the largest shares, never more than a stratum holds."""
    strata = sorted(s for s, size in sizes.items() if size > 0)
    total = sum(sizes[s] for s in strata)
    n = min(n, total)
    if not strata or n <= 0:
        return {}
    exact = {s: n * sizes[s] / total for s in strata}
    share = {s: int(exact[s]) for s in strata}
    for s in sorted(strata, key=lambda s: (-(exact[s] - share[s]), s))[: n - sum(share.values())]:
        share[s] += 1
    if n >= len(strata):
        for s in strata:
            if share[s] == 0:
                donor = max(strata, key=lambda d: (share[d], d))
                share[donor] -= 1
                share[s] = 1
    return {s: k for s, k in share.items() if k}


def draw_sample(store: Store, actor: User, n: int, *, strategy: str = "stratified", by: str = "source", seed: int = 0) -> SampleBatch:
    """Draw and store a sample batch of ``n`` examples; reviewers are served it first (leads only)."""
    require(actor, UserRole.LEAD)
    if strategy not in SAMPLE_STRATEGIES:
        raise InvalidInputError(f"unknown sample strategy {strategy!r}: choose stratified or diverse", field="strategy")
    if by not in BY:
        raise InvalidInputError(f"cannot stratify by {by!r}: choose source or none", field="by")
    if not 1 <= n <= MAX_SAMPLE:
        raise InvalidInputError(f"a sample holds 1 to {MAX_SAMPLE:,} examples, not {n}", field="N")
    rng = random.Random(seed)
    with store.write() as conn:
        population = queue_ranks.population(conn, by_source=by == "source")
        if not population:
            raise NotFoundError("no examples to sample: import some first")
        if strategy == "diverse":
            units = _cluster_units(population, queue_ranks.cluster_rows(conn, queue_ranks.group_cond([], exclude=True)))
        else:
            units = {s: [[eid] for eid, _ in members] for s, members in population.items()}
        shares = allocate({s: len(u) for s, u in units.items()}, n)
        members: list[tuple[str, str, int]] = []
        for stratum, k in shares.items():
            picked = rng.sample(units[stratum], k)
            members += [(unit[0], stratum, len(units[stratum])) for unit in picked]
        batch_id = queue_ranks.add_batch(conn, strategy=strategy, by=by, seed=seed, created_by=actor.id, now=utcnow(),
                                         members=members)
        queue_order.lift_sampled_now(conn, [m[0] for m in members])
    return SampleBatch(batch_id, strategy, by, len(members), dict(sorted(shares.items())))


def _cluster_units(population: dict[str, list[tuple[str, int]]], clusters: dict[str, tuple[str, bool]]) -> dict[str, list[list[str]]]:
    """Per stratum, its clusters as member lists (representative first); an unclustered example
    is a cluster of one."""
    out: dict[str, list[list[str]]] = {}
    for stratum, members in population.items():
        groups: dict[str, list[tuple[bool, int, str]]] = {}
        for eid, seq in members:
            cid, rep = clusters.get(eid, (f"\0{eid}", True))
            groups.setdefault(cid, []).append((not rep, seq, eid))
        out[stratum] = [[eid for _, _, eid in sorted(g)] for _, g in sorted(groups.items())]
    return out


def latest_estimate(store: Store) -> SampleEstimate | None:
    """Each stratum's approval rate with its 95% interval, from the latest batch (None: no batch)."""
    with store.read() as conn:
        batch = queue_ranks.latest_batch(conn)
        if batch is None:
            return None
        rows = queue_ranks.batch_members(conn, int(batch["id"]))
    by_stratum: dict[str, tuple[int, list[str]]] = {}
    for stratum, _eid, population, outcome in rows:
        by_stratum.setdefault(stratum, (population, []))[1].append(outcome)
    return SampleEstimate(
        batch=int(batch["id"]), strategy=str(batch["strategy"]), by=str(batch["by"]), size=int(batch["size"]),
        strata=[estimate(s or "(all)", pop, outs) for s, (pop, outs) in sorted(by_stratum.items())],
    )
