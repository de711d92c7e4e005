"""The upsert half of the federated import: each batch of parsed rows becomes
created, updated, unchanged, withdrawn or rejected achievements and demands.

Lookups are made once per batch (the import repository, ``uow.imports``); new
achievements go in bulk. Cross-market duplicates meet through the keys of
market.domain.dedup; the rows a file sent twice are refused but the last.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from market.domain import normalise as nz
from market.domain.accounts import Organisation
from market.domain.achievements import Achievement, AchievementListing
from market.domain.dedup import LaterRowWins, match_keys
from market.domain.demands import Demand
from market.domain.errors import DomainError
from market.domain.feeds import DemandRecord, HeaderReport, ImportRun, ListingRecord, RejectedRow, RowError

from .notifications import listings as notify

LISTING_FIELDS = ("title", "abstract", "keywords", "ip_type", "application_numbers", "field", "maturity",
                  "transfer_modes", "province", "city", "district")
DEMAND_FIELDS = ("title", "description", "field", "budget_min_fen", "budget_max_fen", "deadline",
                 "cooperation_mode", "province", "city", "district")


@dataclass
class OrgCache:
    """Organisations by normalised name: matched by name and province, else by a
    unique name, else created. Loaded once per run (a few thousand at most)."""

    by_key: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def load(self, imports) -> None:
        for ident, name, province in imports.organisation_names():
            self.by_key.setdefault(nz.match_key(name), []).append((province, ident))

    def ensure(self, uow, wanted: Iterable[tuple[str, str | None, str | None]], now: datetime) -> None:
        """Create the organisations a batch needs, with one flush for all of them."""
        created = []
        for name, province, city in wanted:
            if self.find(name, province) is None:
                org = Organisation(name=name, kind=nz.organisation_kind(name), province=province or "上海",
                                   city=city, created_at=now)
                uow.organisations.add(org)
                created.append(org)
                self.by_key.setdefault(nz.match_key(name), []).append((org.province, org))
        if created:
            uow.flush()
            for key, candidates in self.by_key.items():
                self.by_key[key] = [(p, o.id if isinstance(o, Organisation) else o) for p, o in candidates]

    def find(self, name: str, province: str | None):
        candidates = self.by_key.get(nz.match_key(name), [])
        for cand_province, ident in candidates:
            if cand_province == province:
                return ident
        return candidates[0][1] if len(candidates) == 1 else None

    def resolve(self, name: str, province: str | None) -> int:
        ident = self.find(name, province)
        if ident is None:
            raise LookupError(f"organisation {name} was not prepared")
        return ident


class _Importer:
    def __init__(self, uow, run: ImportRun, actor_id: int | None, now: datetime, superseded: dict[str, int]):
        self.uow, self.run, self.actor_id, self.now = uow, run, actor_id, now
        self.superseded = superseded
        self.orgs = OrgCache()
        self.reason = f"{run.market_code} 市场导入"

    def prepare(self) -> None:
        self.orgs.load(self.uow.imports)

    def process(self, batch: list) -> None:
        errors: list[RowError] = []
        warnings: list[RowError] = []
        records = []
        for parsed in batch:
            if isinstance(parsed, HeaderReport):
                self.run.header = parsed.as_dict()
                warnings.extend(parsed.warnings())
            elif isinstance(parsed, RejectedRow):
                errors.extend(parsed.errors)
                self.run.count("rejected")
            elif (later := LaterRowWins.superseded_by(self.superseded, parsed.external_id, parsed.row)) is not None:
                errors.append(RowError(parsed.market_code, parsed.row, parsed.external_id, "(row)",
                                       f"编号在本文件中重复出现, 以第 {later} 行为准 (duplicate id; the later row wins)"))
                self.run.count("rejected")
            else:
                records.append(parsed)
                warnings.extend(parsed.warnings)
        if records:
            errors.extend(self.upsert(records))
        self.uow.flush()
        self.uow.imports.store_notes(self.run.id, errors, warnings)

    def upsert(self, records: list) -> list[RowError]:
        raise NotImplementedError

    def rejected_by_domain(self, record, exc: DomainError) -> list[RowError]:
        """The domain's own checks are the last word (e.g. an over-long abstract)."""
        self.run.count("rejected")
        details = exc.errors or {"(row)": [exc.message]}
        return [RowError(record.market_code, record.row, record.external_id, name, "; ".join(map(str, msgs)))
                for name, msgs in details.items()]


class AchievementImporter(_Importer):
    def prepare(self) -> None:
        super().prepare()
        _backfill_match_keys(self.uow.imports)

    def upsert(self, records: list[ListingRecord]) -> list[RowError]:
        repo = self.uow.imports
        listings = repo.listings_by_external_id(self.run.market_code, [r.external_id for r in records])
        keys_wanted = {k for r in records if r.external_id not in listings for k in _match_keys(r)}
        matched = repo.match_keys(keys_wanted) if keys_wanted else {}
        achievements = repo.achievements_with_history({li.achievement_id for li in listings.values()}
                                                      | set(matched.values()))
        self.orgs.ensure(self.uow, ((r.holder_name, r.province, r.city) for r in records
                                    if r.external_id not in listings), self.now)
        new_keys: dict[str, Achievement] = {}
        errors: list[RowError] = []
        self.pending: list[Achievement] = []
        with repo.batch_writes():
            for record in records:
                self._upsert_one(record, listings, achievements, matched, new_keys, errors)
        self.uow.flush()
        self._insert_pending()
        repo.add_match_keys({k: a.id for k, a in new_keys.items()})
        return errors

    def _upsert_one(self, record, listings, achievements, matched, new_keys, errors) -> None:
        try:
            listing = listings.get(record.external_id)
            if listing is not None:
                self.run.count(self._update(achievements[listing.achievement_id], listing, record))
                return
            achievement = self._find(record, matched, achievements, new_keys)
            if achievement is None:
                achievement = self._create(record)
                outcome = "withdrawn" if record.withdrawn else "created"
            else:
                outcome = self._add_listing(achievement, record)
            for key in _match_keys(record):
                if key not in matched:
                    new_keys.setdefault(key, achievement)
            self.run.count(outcome)
        except DomainError as exc:
            errors.extend(self.rejected_by_domain(record, exc))

    @staticmethod
    def _find(record, matched, achievements, new_keys) -> Achievement | None:
        for key in _match_keys(record):
            if key in new_keys:
                return new_keys[key]
            if key in matched and matched[key] in achievements:
                return achievements[matched[key]]
        return None

    def _create(self, record: ListingRecord) -> Achievement:
        holder_id = self.orgs.resolve(record.holder_name, record.province)
        achievement = Achievement(
            title=record.title, holder_id=holder_id, market_code=record.market_code, field=record.field,
            ip_type=record.ip_type, now=self.now, abstract=record.abstract, keywords=record.keywords,
            application_numbers=record.application_numbers, maturity=record.maturity,
            transfer_modes=record.transfer_modes, price_fen=record.price_fen, province=record.province,
            city=record.city, district=record.district, created_by_id=self.actor_id)
        achievement.publish_imported(self.actor_id, self.now, reason=self.reason)
        achievement.listings.append(self._listing(record))
        if record.withdrawn:
            achievement.withdraw(self.actor_id, self.now, reason=f"{record.market_code} 撤牌")
        self.pending.append(achievement)  # inserted with the batch by _insert_pending
        return achievement

    def _insert_pending(self) -> None:
        """New achievements go in bulk (see the import repository), not through the
        ORM; the unit of work is told what changed so its listeners (search) still see it."""
        if not self.pending:
            return
        for ident in self.uow.imports.insert_achievements(self.pending):
            self.uow.mark_changed("achievement", ident)
        notify.on_achievements_published(self.uow, achievement_ids=[a.id for a in self.pending if a.status == "published"],
                                         now=self.now)
        self.pending = []

    def _listing(self, record: ListingRecord) -> AchievementListing:
        return AchievementListing(record.market_code, record.external_id, record.price_fen, record.negotiable,
                                  record.listed_on, self.now, status="withdrawn" if record.withdrawn else "listed")

    def _add_listing(self, achievement: Achievement, record: ListingRecord) -> str:
        """A duplicate across markets: one achievement, one more listing."""
        achievement.listings.append(self._listing(record))
        achievement.record_change(self.actor_id, self.now, f"{record.market_code} 同时挂牌",
                                  {"listed_on_market": record.market_code, "external_id": record.external_id})
        if record.withdrawn:
            return "withdrawn"
        if achievement.status in ("draft", "pending_review", "withdrawn"):
            achievement.publish_imported(self.actor_id, self.now, reason=self.reason)
        return "created"

    def _update(self, achievement: Achievement, listing: AchievementListing, record: ListingRecord) -> str:
        outcome = "unchanged"
        home = _primary_listing(achievement) is listing
        if home:
            changed = {name: getattr(record, name) for name in LISTING_FIELDS
                       if getattr(achievement, name) != getattr(record, name)}
            if changed:
                for name, value in changed.items():
                    setattr(achievement, name, value)
                achievement.record_change(self.actor_id, self.now, self.reason, {"fields": sorted(changed)})
                outcome = "updated"
        if (listing.price_fen, listing.negotiable) != (record.price_fen, record.negotiable):
            detail = {"price_fen": [listing.price_fen, record.price_fen], "market": record.market_code,
                      "external_id": record.external_id}
            listing.price_fen, listing.negotiable = record.price_fen, record.negotiable
            if home:
                achievement.price_fen, achievement.negotiable = record.price_fen, record.negotiable
            achievement.record_change(self.actor_id, self.now, f"{record.market_code} 挂牌价变更", detail)
            outcome = "updated"
        if listing.listed_on != record.listed_on:
            listing.listed_on = record.listed_on
            outcome = "updated"
        if record.withdrawn and listing.status == "listed":
            listing.status = "withdrawn"
            if achievement.status in ("draft", "pending_review", "published") and not _other_listed(achievement, listing):
                achievement.withdraw(self.actor_id, self.now, reason=f"{record.market_code} 撤牌")
            else:
                achievement.record_change(self.actor_id, self.now, f"{record.market_code} 撤牌",
                                          {"withdrawn_from_market": record.market_code})
            outcome = "withdrawn"
        elif not record.withdrawn and listing.status == "withdrawn":
            listing.status = "listed"
            if achievement.status == "withdrawn":
                achievement.publish_imported(self.actor_id, self.now, reason=f"{record.market_code} 重新挂牌")
            outcome = "updated"
        if outcome != "unchanged":
            listing.updated_at = achievement.updated_at = self.now
        return outcome


def _primary_listing(achievement: Achievement) -> AchievementListing | None:
    """The listing whose row describes the achievement: the first one of its home
    market. Other rows (another market, or a second id on the same market) only
    carry their own price, date and status, so two rows cannot flip-flop it."""
    home = [li for li in achievement.listings if li.market_code == achievement.market_code]
    return min(home, key=lambda li: li.id or float("inf")) if home else None


def _other_listed(achievement: Achievement, listing: AchievementListing) -> bool:
    return any(li is not listing and li.status == "listed" for li in achievement.listings)


def _match_keys(record: ListingRecord) -> list[str]:
    return match_keys(record.application_numbers, record.title, record.holder_name)


def _backfill_match_keys(imports) -> None:
    """Achievements entered through the platform (not imported) get their keys
    here, so a market listing the same patent joins them instead of duplicating."""
    rows = imports.achievements_without_match_keys()
    if not rows:
        return
    wanted = {key for _, patents, title, holder in rows for key in match_keys(patents, title, holder)}
    taken = set(imports.match_keys(wanted))
    fresh: dict[str, int] = {}
    for ident, patents, title, holder in rows:
        for key in match_keys(patents, title, holder):
            if key not in taken and key not in fresh:
                fresh[key] = ident
    imports.add_match_keys(fresh)


class DemandImporter(_Importer):
    def upsert(self, records: list[DemandRecord]) -> list[RowError]:
        existing = self.uow.imports.demands_by_external_id(self.run.market_code, [r.external_id for r in records])
        self.orgs.ensure(self.uow, ((r.enterprise_name, r.province, r.city) for r in records
                                    if r.external_id not in existing), self.now)
        errors: list[RowError] = []
        for record in records:
            try:
                demand = existing.get(record.external_id)
                if demand is None:
                    existing[record.external_id] = self._create(record)
                    self.run.count("created")
                else:
                    self.run.count(self._update(demand, record))
            except DomainError as exc:
                errors.extend(self.rejected_by_domain(record, exc))
        return errors

    def _create(self, record: DemandRecord) -> Demand:
        enterprise_id = self.orgs.resolve(record.enterprise_name, record.province)
        demand = Demand(
            title=record.title, enterprise_id=enterprise_id, market_code=record.market_code, now=self.now,
            description=record.description, field=record.field, budget_min_fen=record.budget_min_fen,
            budget_max_fen=record.budget_max_fen, deadline=record.deadline,
            cooperation_mode=record.cooperation_mode, province=record.province, city=record.city,
            district=record.district, created_by_id=self.actor_id, external_id=record.external_id)
        demand.publish_imported(self.actor_id, self.now, reason=self.reason)
        self.uow.demands.add(demand)
        return demand

    def _update(self, demand: Demand, record: DemandRecord) -> str:
        changed = {name: getattr(record, name) for name in DEMAND_FIELDS
                   if getattr(demand, name) != getattr(record, name)}
        if not changed:
            return "unchanged"
        detail = {"fields": sorted(changed)}
        for name in ("budget_min_fen", "budget_max_fen"):
            if name in changed:
                detail[name] = [getattr(demand, name), changed[name]]
        for name, value in changed.items():
            setattr(demand, name, value)
        demand.record_change(self.actor_id, self.now, self.reason, detail)
        return "updated"
