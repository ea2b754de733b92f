"""Browsing examples: one filtered, sorted page at a time, and everything known about one example."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from curator.errors import InvalidInputError
from curator.models import Decision, Example, Outcome, User
from curator.services import blind
from curator.services.outcomes import live_decisions
from curator.store import Store, cluster_store, guideline_store
from curator.store import decisions as decisions_repo
from curator.store import examples as examples_repo
from curator.store import gold_examples as gold_repo
from curator.store import reports as reports_repo
from curator.store import search as search_repo
from curator.store.examples import ExampleFilter as ExampleFilter  # the filter pages build

PAGE_SIZE = 50
# Past this many matches the page says "10,000+" and stops counting.
COUNT_CAP = 1_000  # "1,000+ examples": counting further costs more than it tells a reviewer
SORTS = tuple(examples_repo.SORTS)
COLUMNS = ["id", "source_name", "source_line", "n_messages", "tokens", "outcome", "n_decisions", "decided_at"]


@dataclass(frozen=True)
class BrowsePage:
    """One page of example rows (no message text) and how many match, when that is cheap to know."""

    rows: list[dict[str, Any]]
    page: int
    page_size: int
    total: int | None  # exact, or COUNT_CAP when ``more``; None for a short text search (not counted)
    more: bool  # True when more than COUNT_CAP examples match
    has_next: bool  # a next page exists

    @property
    def pages(self) -> int | None:
        """How many pages there are, None when the count was capped or skipped."""
        if self.total is None or self.more:
            return None
        return max(1, -(-self.total // self.page_size))

    @property
    def total_label(self) -> str:
        if self.total is None:
            return "not counted (text search of fewer than 3 characters)"
        return f"{self.total:,}+" if self.more else f"{self.total:,}"


@dataclass(frozen=True)
class ExampleDetail:
    """Everything the browse page shows about one example."""

    example: Example
    outcome: Outcome
    n_decisions: int
    decided_at: Any
    history: list[Decision]
    live: list[Decision]
    places: list[dict[str, Any]]
    cluster: dict[str, Any] | None
    flags: list[dict[str, Any]]
    gold: dict[str, Any] | None = None
    live_ids: set[int] = field(default_factory=set)
    blind: bool = False  # other reviewers' decisions are withheld until the example is settled


def make_filter(
    *,
    outcomes: list[str] | None = None,
    sources: list[str] | None = None,
    rule: str | None = None,
    reviewer: str | None = None,
    verdict: str | None = None,
    text: str | None = None,
) -> ExampleFilter:
    """An ExampleFilter from widget values; blanks mean "any"."""
    return ExampleFilter(
        outcomes=[o for o in outcomes or [] if o],
        sources=[s for s in sources or [] if s],
        rule=(rule or "").strip() or None,
        reviewer=(reviewer or "").strip() or None,
        verdict=verdict or None,
        text=(text or "").strip() or None,
    )


def browse(
    store: Store,
    viewer: User,
    flt: ExampleFilter | None = None,
    *,
    page: int = 0,
    page_size: int = PAGE_SIZE,
    sort: str = "imported",
    descending: bool = False,
) -> BrowsePage:
    """One page of examples matching ``flt``, paginated and sorted in SQL, as ``viewer`` may see
    them (blind review: a reviewer's filters and columns reveal no other reviewer's decision
    on an unsettled example)."""
    if sort not in examples_repo.SORTS:
        raise InvalidInputError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}", field="sort")
    if page < 0 or not 1 <= page_size <= 500:
        raise InvalidInputError("page must be >= 0 and page size 1-500", field="page")
    flt = flt or ExampleFilter()
    flt = replace(flt, blind_to=blind.blind_to(viewer), outcomes=blind.outcome_filter(flt.outcomes, viewer))
    with store.read() as conn:
        if flt.text:
            search_repo.require(conn)
        rows = examples_repo.page(conn, flt, offset=page * page_size, limit=page_size + 1, sort=sort, descending=descending)
        total: int | None = None
        more = False
        # Counting a text search too short for the index reads every conversation; other
        # filters are counted by index, and never past the cap.
        if not examples_repo.scans_text(flt):
            counted = examples_repo.count_upto(conn, flt, COUNT_CAP + 1)
            more = counted > COUNT_CAP
            total = min(counted, COUNT_CAP)
    return BrowsePage(
        rows=[_row_shown({c: r[c] for c in COLUMNS}, flt.blind_to is not None) for r in rows[:page_size]],
        page=page,
        page_size=page_size,
        total=total,
        more=more,
        has_next=len(rows) > page_size,
    )


SEARCH_LIMIT = 20
SNIPPET_CONTEXT = 40  # characters of text shown either side of a search hit
HIT_COLUMNS = ["id", "source_name", "source_line", "outcome", "tokens"]


@dataclass(frozen=True)
class SearchResult:
    """The first examples (in import order) whose conversation contains ``query``."""

    query: str
    hits: list[dict[str, Any]]  # HIT_COLUMNS and a "snippet" of the text around the match
    more: bool  # more examples match than were returned

    def as_dict(self) -> dict[str, Any]:
        return {"query": self.query, "hits": self.hits, "more": self.more}


def search(store: Store, text: str, flt: ExampleFilter | None = None, *, viewer: User | None = None,
           limit: int = SEARCH_LIMIT) -> SearchResult:
    """Examples whose conversation (any message, tool call or the rejected reply) contains
    ``text``, case-insensitively, narrowed by ``flt``; as ``viewer`` may see them when given
    (blind review), else as the database's operator sees them."""
    text = text.strip()
    if not text:
        raise InvalidInputError("give the text to search for", field="text")
    if not 1 <= limit <= 500:
        raise InvalidInputError("the limit must be 1-500", field="limit")
    flt = replace(flt or ExampleFilter(), text=text)
    if viewer is not None:
        flt = replace(flt, blind_to=blind.blind_to(viewer), outcomes=blind.outcome_filter(flt.outcomes, viewer))
    with store.read() as conn:
        search_repo.require(conn)
        rows = examples_repo.page(conn, flt, limit=limit + 1)
        texts = search_repo.bodies(conn, [r["seq"] for r in rows[:limit]])
    blinded = flt.blind_to is not None
    hits = [{**_row_shown({c: r[c] for c in HIT_COLUMNS}, blinded), "snippet": snippet(texts.get(r["seq"], ""), text)}
            for r in rows[:limit]]
    return SearchResult(query=text, hits=hits, more=len(rows) > limit)


def snippet(body: str, text: str, context: int = SNIPPET_CONTEXT) -> str:
    """The part of ``body`` around the first case-insensitive occurrence of ``text``, on one line."""
    # lower() keeps the length of almost all text; where it does not, the window is near enough.
    at = min(max(0, body.lower().find(text.lower())), len(body))
    start, end = max(0, at - context), min(len(body), at + len(text) + context)
    # One line, no control characters: the text is untrusted and may reach a terminal.
    shown = "".join(c if c.isprintable() else " " for c in " ".join(body[start:end].split()))
    return ("\u2026" if start > 0 else "") + shown + ("\u2026" if end < len(body) else "")


def _row_shown(row: dict[str, Any], blinded: bool) -> dict[str, Any]:
    # How many decided an unsettled example, and when, would tell a reviewer others did.
    if blinded and not Outcome(row["outcome"]).settled:
        return {**row, "outcome": Outcome.PENDING.value, "n_decisions": None, "decided_at": None}
    return row


def outcome_choices(viewer: User) -> list[str]:
    """The outcomes the viewer's filter offers (a reviewer sees a conflict as pending)."""
    return [o.value for o in blind.outcomes_visible(viewer)]


def source_names(store: Store) -> list[str]:
    """Every source name of a stored example, sorted."""
    with store.read() as conn:
        return reports_repo.source_names(conn)


def filter_choices(store: Store) -> dict[str, list[str]]:
    """Values the filter widgets offer: sources and flagged rules."""
    with store.read() as conn:
        return {"sources": reports_repo.source_names(conn), "rules": reports_repo.flagged_rules(conn)}


def _cluster_shown(cluster: dict[str, Any] | None, example_id: str) -> dict[str, Any] | None:
    """The stored cluster as the detail shows it: this member's kind, similarity and role, and
    every member by id."""
    if cluster is None:
        return None
    own = next(m for m in cluster["members"] if m["example_id"] == example_id)
    return {
        "cluster_id": cluster["id"],
        "kind": own["kind"],
        "similarity": own["similarity"],
        "is_representative": bool(own["is_representative"]),
        "members": sorted(({k: m[k] for k in ("example_id", "similarity", "is_representative")} for m in cluster["members"]),
                          key=lambda m: m["example_id"]),
    }


def example_detail(store: Store, viewer: User, example_id: str) -> ExampleDetail:
    """The example, its decision history, import places, cluster, flags and gold mark, as
    ``viewer`` may see them: a reviewer sees others' decisions and the gold answer of an
    example only once it is settled."""
    blinded = blind.blind_to(viewer) is not None
    example_id = example_id.strip()
    with store.read() as conn:
        row = examples_repo.get_row(conn, example_id)  # NotFoundError if unknown
        example = examples_repo.row_to_example(row)
        history = decisions_repo.for_example(conn, example_id)
        places = examples_repo.places(conn, example_id)
        cluster = _cluster_shown(cluster_store.cluster_of(conn, example_id), example_id)
        flags = guideline_store.flags_for(conn, example_id)
        gold = gold_repo.get(conn, example_id)
    outcome = Outcome(row["outcome"])
    withheld = blinded and not outcome.settled
    if withheld:
        history = blind.history_shown(history, outcome, viewer)
        gold = None
    live, adjudication = live_decisions(history)
    live_ids = {d.id for d in live if d.id is not None}
    if adjudication is not None and adjudication.id is not None:
        live_ids.add(adjudication.id)
    stamps = [d.created_at for d in live]
    return ExampleDetail(
        example=example,
        outcome=blind.outcome_shown(outcome, viewer),
        n_decisions=len(live) if withheld else int(row["n_decisions"]),
        decided_at=(max(stamps) if stamps else None) if withheld else row["decided_at"],
        history=history,
        live=live,
        places=places,
        cluster=cluster,
        flags=flags,
        gold=gold,
        live_ids=live_ids,
        blind=withheld,
    )


def history_rows(detail: ExampleDetail) -> list[dict[str, Any]]:
    """The decision history as table rows: every decision, retraction, adjudication and reopen."""
    out = []
    for d in detail.history:
        correction = ""
        if d.correction is not None:
            correction = d.correction.reply.text if d.correction.reply else f"{len(d.correction.messages or [])} edited messages"
        out.append(
            {
                "id": d.id,
                "time": d.created_at,
                "reviewer": d.reviewer,
                "kind": d.kind.value,
                "verdict": d.verdict.value if d.verdict else "",
                "rules": ", ".join(d.rules),
                "note": d.note,
                "correction": correction,
                "target": d.target_id,
                "counts": d.id in detail.live_ids,
                "guideline": d.guideline_version or "",
            }
        )
    return out
