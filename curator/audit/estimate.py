"""Estimating a source's approval rate from a reviewed sample: Wilson score intervals.

The sample is drawn without replacement from a finite stratum of N examples, so the variance
of the observed share is p(1-p)/n * (N-n)/(N-1) (the finite-population correction), not
p(1-p)/n. Wilson's interval inverts the score test with the latter; the corrected interval
inverts it with the former, which is Wilson's formula with n replaced by the effective size
n * (N-1)/(N-n). A sample of the whole stratum (n = N) is a census: the interval is the share.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

Z95 = 1.959963984540054  # the standard normal's 97.5th percentile


def wilson(k: int, n: int, *, z: float = Z95, population: int | None = None) -> tuple[float, float] | None:
    """The Wilson interval (low, high) for k successes in n; None when n is 0.

    With ``population`` (N, the stratum sampled without replacement) the finite-population
    correction narrows the interval as the sample approaches the whole stratum.
    """
    if n <= 0:
        return None
    if not 0 <= k <= n:
        raise ValueError(f"successes {k} not within 0..{n}")
    p = k / n
    if population is not None:
        if population < n:
            raise ValueError(f"sample of {n} larger than its population {population}")
        if population == n:
            return p, p
        n_eff = n * (population - 1) / (population - n)
    else:
        n_eff = float(n)
    z2 = z * z
    denom = 1 + z2 / n_eff
    centre = (p + z2 / (2 * n_eff)) / denom
    half = z * math.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff * n_eff)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


class StratumEstimate(BaseModel):
    """One stratum's (source's) approval rate as its sample shows it."""

    model_config = ConfigDict(extra="forbid")
    stratum: str
    population: int = 0  # examples (or, for a diverse sample, clusters) in the stratum when drawn
    sampled: int = 0
    settled: int = 0  # sampled examples with an outcome
    approved: int = 0
    rate: float | None = None  # approved / settled
    low: float | None = None  # 95% interval, finite-population corrected
    high: float | None = None


class SampleEstimate(BaseModel):
    """The estimate from the latest sample batch (`curator sample`)."""

    model_config = ConfigDict(extra="forbid")
    batch: int
    strategy: str
    by: str
    size: int
    method: str = "Wilson 95% with finite-population correction"
    strata: list[StratumEstimate] = Field(default_factory=list)

    @property
    def complete(self) -> bool:
        return all(s.settled == s.sampled for s in self.strata)


def estimate(stratum: str, population: int, outcomes: list[str]) -> StratumEstimate:
    """A stratum's estimate from the outcomes of its sampled examples (pending ones do not count)."""
    settled = [o for o in outcomes if o in ("approve", "negative", "reject")]
    approved = sum(1 for o in settled if o == "approve")
    interval = wilson(approved, len(settled), population=max(population, len(settled)))
    return StratumEstimate(
        stratum=stratum, population=population, sampled=len(outcomes), settled=len(settled), approved=approved,
        rate=approved / len(settled) if settled else None,
        low=interval[0] if interval else None, high=interval[1] if interval else None,
    )
