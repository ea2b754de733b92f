"""The sign-in throttle: failed attempts per user name and per client address, in the database.

Every app process sees the same counts. An attempt is counted as failed before its password
is checked and taken back when it succeeds, so a burst of parallel guesses cannot slip past
the count. Unknown names are counted like real ones: the throttle answers the same for both.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from curator.errors import TooManyAttemptsError
from curator.store import Store
from curator.store import throttle as throttle_repo

FREE_PER_NAME = 5  # failures before a name is locked
FREE_PER_CLIENT = 20  # an address may be shared by a whole office (NAT, proxy)
FIRST_LOCK = timedelta(seconds=1)  # doubled with every further failure...
MAX_LOCK = timedelta(minutes=15)  # ...up to this
FORGET_AFTER = timedelta(hours=1)  # failures older than this no longer count


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt in progress: the keys it was counted under."""

    name_key: str
    client_key: str | None


def _key(kind: str, value: str) -> str:
    # Hashed: a name field sometimes holds a mistyped password; addresses are personal data.
    return hashlib.sha256(f"curator-sign-in\0{kind}\0{value}".encode("utf-8", "surrogatepass")).hexdigest()


def lock_for(failures: int, free: int) -> timedelta | None:
    """How long a key stays locked after its ``failures``-th failure (None: not locked)."""
    if failures < free:
        return None
    lock: timedelta = FIRST_LOCK * 2 ** min(failures - free, 20)
    return min(lock, MAX_LOCK)


def begin(store: Store, name: str, client: str | None, *, now: datetime) -> Attempt:
    """Count an attempt, or raise TooManyAttemptsError while its name or address is locked."""
    attempt = Attempt(_key("name", name), _key("client", client) if client else None)
    keys = [(attempt.name_key, FREE_PER_NAME)]
    if attempt.client_key:
        keys.append((attempt.client_key, FREE_PER_CLIENT))
    with store.write() as conn:
        throttle_repo.purge(conn, before=now - FORGET_AFTER)
        ends: list[datetime] = []
        for key, free in keys:
            failures, until = throttle_repo.count_failure(conn, key, now=now, forget_before=now - FORGET_AFTER)
            if until is not None and until > now:
                ends.append(until)
            elif (span := lock_for(failures, free)) is not None:
                throttle_repo.lock(conn, key, now + span)
        if ends:
            # Raising rolls the counts back: an attempt refused unchecked is not a failure.
            wait = max(1, int((max(ends) - now).total_seconds() + 0.999))
            raise TooManyAttemptsError(f"too many failed sign-ins; try again in {wait} seconds", retry_after=wait)
    return attempt


def succeeded(store: Store, attempt: Attempt) -> None:
    """The password was right: the name starts afresh; the address gets its attempt back."""
    with store.write() as conn:
        throttle_repo.clear(conn, attempt.name_key)
        if attempt.client_key:
            throttle_repo.uncount_failure(conn, attempt.client_key, free=FREE_PER_CLIENT)
