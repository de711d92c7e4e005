"""In-memory fakes of the data repositories (imports, contracts, account reads), for
service unit tests: the same methods as the SQLAlchemy ones, over dicts and lists.

They keep to the behaviour the services rely on (ids handed out on add, lookups
by key); they do not imitate SQL details (no COPY, no savepoint undo, no
statistics: the GROUP BY read model is tested on real databases).
"""
from __future__ import annotations

import itertools
from contextlib import contextmanager
from typing import Iterable, Iterator

from market.domain.accounts import TokenOwner
from market.domain.dedup import match_keys
from market.domain.feeds import RowError


def _notes(notes: Iterable[RowError], run_id: int) -> list[dict]:
    return [{"run_id": run_id, "row": n.row, "external_id": n.external_id, "field": n.field,
             "reason": n.reason} for n in notes]


class FakeImportRepository:
    """The import's storage over the fake unit of work's achievement, demand and
    organisation repositories (objects with ``items`` by id and ``add``)."""

    def __init__(self, achievements, demands, organisations):
        self.achievements, self.demands, self.organisations = achievements, demands, organisations
        self.runs: dict[int, object] = {}
        self.errors: list[dict] = []
        self.warnings: list[dict] = []
        self.keys: dict[str, int] = {}
        self.statistics_refreshed = 0
        self._run_ids = itertools.count(1)
        self._listing_ids = itertools.count(1)

    def add_run(self, run) -> None:
        run.id = next(self._run_ids)
        self.runs[run.id] = run

    def get_run(self, run_id: int):
        return self.runs.get(run_id)

    def list_runs(self, market_code: str, page: int, per_page: int) -> tuple[list, int]:
        runs = sorted((r for r in self.runs.values() if r.market_code == market_code), key=lambda r: -r.id)
        return runs[(page - 1) * per_page: page * per_page], len(runs)

    def store_notes(self, run_id: int, errors: Iterable[RowError], warnings: Iterable[RowError]) -> None:
        self.errors += _notes(errors, run_id)
        self.warnings += _notes(warnings, run_id)

    def notes_of_run(self, run_id: int, limit: int | None) -> tuple[list[dict], list[dict]]:
        def of_run(notes):
            found = [{k: n[k] for k in ("row", "external_id", "field", "reason")} for n in notes if n["run_id"] == run_id]
            return found[:limit] if limit else found
        return of_run(self.errors), of_run(self.warnings)

    def release(self) -> None:
        pass

    def forget_loaded(self, run_id: int):
        return self.runs[run_id]

    @contextmanager
    def batch_writes(self) -> Iterator[None]:
        yield

    def refresh_statistics(self) -> None:
        self.statistics_refreshed += 1

    def organisation_names(self) -> list[tuple[int, str, str]]:
        return [(o.id, o.name, o.province) for o in self.organisations.items.values()]

    def listings_by_external_id(self, market_code: str, external_ids: list[str]) -> dict:
        wanted, found = set(external_ids), {}
        for a in self.achievements.items.values():
            for li in a.listings:
                li.achievement_id = a.id  # what the ORM's relationship sets on flush
                if li.market_code == market_code and li.external_id in wanted:
                    found[li.external_id] = li
        return found

    def achievements_with_history(self, ids: set[int]) -> dict:
        return {i: self.achievements.items[i] for i in ids if i in self.achievements.items}

    def demands_by_external_id(self, market_code: str, external_ids: list[str]) -> dict:
        wanted = set(external_ids)
        return {d.external_id: d for d in self.demands.items.values()
                if d.market_code == market_code and d.external_id in wanted}

    def match_keys(self, keys: set[str]) -> dict[str, int]:
        return {k: self.keys[k] for k in keys if k in self.keys}

    def add_match_keys(self, keys: dict[str, int]) -> None:
        self.keys.update(keys)

    def achievements_without_match_keys(self) -> list[tuple[int, list[str], str, str]]:
        keyed = set(self.keys.values())
        return [(a.id, list(a.application_numbers or []), a.title, self.organisations.get(a.holder_id).name)
                for a in sorted(self.achievements.items.values(), key=lambda a: a.id) if a.id not in keyed]

    def insert_achievements(self, pending: list) -> list[int]:
        for achievement in pending:
            self.achievements.add(achievement)
            for listing in achievement.listings:
                listing.id, listing.achievement_id = next(self._listing_ids), achievement.id
        return [a.id for a in pending]

    def keys_of(self, achievement) -> list[str]:
        """The keys an achievement should carry (for assertions)."""
        holder = self.organisations.get(achievement.holder_id)
        return match_keys(achievement.application_numbers, achievement.title, holder.name)


class FakeContractRepository:
    def __init__(self):
        self.items: dict[int, object] = {}
        self.runs: dict[int, object] = {}
        self._ids = itertools.count(1)
        self._run_ids = itertools.count(1)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        yield  # the fake keeps what a refused row wrote before it failed; the services check first

    def add(self, contract) -> None:
        if getattr(contract, "id", None) is None:
            contract.id = next(self._ids)
        self.items[contract.id] = contract

    def get(self, ident: int):
        return self.items.get(ident)

    get_for_update = get

    def _where(self, **attrs) -> list:
        return [c for c in self.items.values() if all(getattr(c, k, None) == v for k, v in attrs.items())]

    def by_external_id(self, market_code: str, external_id: str):
        return next(iter(self._where(market_code=market_code, external_id=external_id)), None)

    def by_registration_number(self, number: str):
        return next(iter(self._where(registration_number=number)), None)

    def by_agreement(self, agreement_id: int):
        return next(iter(self._where(agreement_id=agreement_id)), None)

    def by_lot(self, lot_id: int) -> list:
        return sorted(self._where(lot_id=lot_id), key=lambda c: c.id)

    def next_registration_serial(self, market_code: str, year: int) -> int:
        prefix = f"{market_code}{year}"
        return 1 + sum(1 for c in self.items.values() if (c.registration_number or "").startswith(prefix))

    def add_import_run(self, run) -> None:
        run.id = next(self._run_ids)
        self.runs[run.id] = run

    def import_runs(self, market_code: str, limit: int = 50) -> list:
        return sorted((r for r in self.runs.values() if r.market_code == market_code), key=lambda r: -r.id)[:limit]

    def import_run(self, ident: int):
        return self.runs.get(ident)

    def list(self, *, status=None, market_code=None, org_id=None, span=None, page=1, per_page=50) -> tuple[list, int]:
        found = [c for c in self.items.values()
                 if (not status or c.status == status) and (not market_code or c.market_code == market_code)
                 and (org_id is None or org_id in (c.seller_org_id, c.buyer_org_id))
                 and (span is None or span.contains(c.signed_on))]
        found.sort(key=lambda c: (c.signed_on, c.id), reverse=True)
        return found[(page - 1) * per_page: page * per_page], len(found)


class FakeAccountReads:
    """The token-owner read over the fake users, tokens and organisations."""

    def __init__(self, users, tokens, organisations):
        self.users, self.tokens, self.organisations = users, tokens, organisations

    def token_owner(self, token_hash: str) -> TokenOwner | None:
        token = self.tokens.by_hash(token_hash)
        user = self.users.get(token.user_id) if token is not None else None
        if user is None:
            return None
        org = self.organisations.get(user.organisation_id) if user.organisation_id is not None else None
        return TokenOwner(token, user.active, {
            "id": user.id, "email": user.email, "display_name": user.display_name, "role": user.role,
            "organisation_id": user.organisation_id, "market_code": user.market_code,
            "organisation_kind": org.kind if org else None, "organisation_name": org.name if org else None,
            "password_reset_required": bool(getattr(user, "password_reset_required", False)),
            "org_role": getattr(user, "org_role", None),
            "organisation_status": (getattr(org, "verification_status", None) or "verified") if org else None})
