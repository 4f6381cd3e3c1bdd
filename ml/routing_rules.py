"""Routing rules as data (ml/data/routing_rules.json): ordered, first match wins, the rule id is recorded.

A rule matches on category (code, list, "*" or "?" for "the classifier abstained"), district code (code, list or
"*") and a named local time window (Asia/Almaty; windows may wrap midnight, e.g. night 22:00–06:00). It yields the
department, the unit (a template that may use {district}) and optionally a priority override.

Loading validates the file against the taxonomy and the district polygons, so a typo in a category, department or
district fails at start-up instead of silently misrouting reports. A file must also end in a catch-all rule
(category, district and window all "*"): without one a report no rule matches has nowhere to go.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ml.taxonomy import PRIORITIES, Taxonomy, load_taxonomy

log = logging.getLogger("zan.ml.rules")

RULES_PATH = Path(__file__).resolve().parent / "data" / "routing_rules.json"
# the setting (backend.settings.Settings.routing_rules_file) that puts a region's own rules file in RULES_PATH's place:
# the backend passes it to load_rules; `zan ml route` reads it from the environment (ml/ does not import backend/)
RULES_FILE_ENV = "ZAN_ROUTING_RULES_FILE"
ANY = "*"
ABSTAINED = "?"
UNLOCATED = "unlocated"
# the rule id recorded when no rule matched (only a rule set built in code can lack a catch-all: load_rules refuses
# such a file), and where such a report goes: the dispatchers' triage queue, as the bundled catch-all sends it
NO_RULE = "no-rule-matched"
TRIAGE_UNIT = "triage-queue"


@dataclass(frozen=True, slots=True)
class TimeWindow:
    name: str
    start: dt.time
    end: dt.time

    def contains(self, t: dt.time) -> bool:
        """Start inclusive, end exclusive; a window whose end is not after its start wraps midnight."""
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    categories: frozenset[str] | None  # None = any; may contain ABSTAINED
    districts: frozenset[str] | None
    window: TimeWindow | None
    department: str | None
    unit: str
    priority: str | None = None
    note: str = ""

    @property
    def catch_all(self) -> bool:
        """Matches every report: any category (abstained included), any district or none, at any time."""
        return self.categories is None and self.districts is None and self.window is None

    def matches(self, category: str | None, district: str | None, local_time: dt.time) -> bool:
        if self.categories is not None and (category or ABSTAINED) not in self.categories:
            return False
        if self.districts is not None and (district is None or district not in self.districts):
            return False
        return self.window is None or self.window.contains(local_time)


@dataclass(frozen=True, slots=True)
class RuleMatch:
    rule_id: str
    department: str | None
    unit: str
    priority: str | None

    @property
    def matched(self) -> bool:
        """False for the stand-in `RuleSet.decide` gives when no rule matched."""
        return self.rule_id != NO_RULE

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "department": self.department, "unit": self.unit, "priority": self.priority}

    def decided_priority(self, default: str | None, *, urgent: bool) -> str:
        """The priority a routing decision gives: urgent when urgent, else this rule's override, else `default`
        (the category's default priority; "normal" without a category). One place for it, so the model's routing
        and a dispatcher's reclassification rank the same report the same way. An emergency keeps the taxonomy's
        "urgent" without the flag (a fire or a gas leak the urgency lexicon did not read stays near the top)."""
        if urgent:
            return "urgent"
        return self.priority or default or "normal"


def decided_department(rule_department: str | None, category: str | None) -> str | None:
    """The matched rule's department, else `category`'s own (the taxonomy's; None for no or an unknown category).
    One place for it, so the routing job and a dispatcher's reclassification send the same report to the same
    department: with a region's rules file whose catch-all names no department, routing left reports with none
    while a reclassification to the very same category gave its department."""
    if rule_department is not None:
        return rule_department
    taxonomy = load_taxonomy()
    return taxonomy.category(category).department if category and taxonomy.has_category(category) else None


class NoRuleMatched(LookupError):
    """The rule file has no catch-all and nothing matched: a data error."""


class RulesFileError(ValueError):
    """The routing rules file cannot be used; the message names the file and what is wrong with it."""


@dataclass(frozen=True, slots=True)
class RuleSet:
    version: str
    timezone: dt.tzinfo
    rules: tuple[Rule, ...]

    def local_time(self, at: dt.datetime | None) -> dt.datetime:
        """`at` in local time; naive datetimes are taken as UTC (the backend stores UTC), None means now."""
        if at is None:
            at = dt.datetime.now(dt.UTC)
        elif at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        return at.astimezone(self.timezone)

    def match(self, category: str | None, district: str | None, at: dt.datetime | None = None) -> RuleMatch:
        """The first matching rule; `category` None means the classifier abstained."""
        local = self.local_time(at).time()
        for rule in self.rules:
            if rule.matches(category, district, local):
                return RuleMatch(
                    rule_id=rule.id,
                    department=rule.department,
                    unit=rule.unit.format(district=district or UNLOCATED),
                    priority=rule.priority,
                )
        raise NoRuleMatched(f"no routing rule for category={category!r} district={district!r} at {local}")

    def decide(self, category: str | None, district: str | None, at: dt.datetime | None = None) -> RuleMatch:
        """As `match`, but never raises: with no matching rule the report goes to triage under the rule id NO_RULE
        (no department, no priority override), so routing records "no rule matched" for a human instead of
        failing, and being retried, on a report no retry can route."""
        try:
            return self.match(category, district, at)
        except NoRuleMatched:
            # category and district codes only: no personal data
            log.error("routing rules %s: no rule for category=%r district=%r; sent to triage",
                      self.version, category, district)
            return RuleMatch(rule_id=NO_RULE, department=None, unit=TRIAGE_UNIT, priority=None)

    def check_catch_all(self) -> None:
        """ValueError unless a catch-all rule exists and is the last rule (any rule after it could never match)."""
        first = next((i for i, rule in enumerate(self.rules) if rule.catch_all), None)
        if first is None:
            raise ValueError('no catch-all rule: the last rule must have category, district and window "*" '
                             '(e.g. {"id": "fallback", "category": "*", "district": "*", "window": "*", '
                             '"department": null, "unit": "triage-queue"}), or a report no rule matches has '
                             'nowhere to go')
        if first != len(self.rules) - 1:
            raise ValueError(f"rule {self.rules[first + 1].id} comes after the catch-all rule {self.rules[first].id} "
                             f"and can never match: move the catch-all to the end")


def _codes(value: Any, field: str, rule_id: str) -> frozenset[str] | None:
    if value == ANY:
        return None
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, Sequence) and value and all(isinstance(v, str) for v in value):
        return frozenset(value)
    raise ValueError(f"rule {rule_id}: {field} must be a code, a list of codes or '*'")


def _time(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def parse_rules(raw: dict[str, Any], taxonomy: Taxonomy | None = None,
                districts: Collection[str] | None = None) -> RuleSet:
    """Build and validate a rule set (ValueError on unknown codes, duplicate ids, bad windows); district codes too
    when `districts` (the known codes) is given."""
    tax = taxonomy or load_taxonomy()
    windows = {
        name: TimeWindow(name=name, start=_time(w["start"]), end=_time(w["end"]))
        for name, w in raw.get("windows", {}).items()
    }
    rules: list[Rule] = []
    seen: set[str] = set()
    for r in raw["rules"]:
        rid = str(r["id"])
        if rid in seen:
            raise ValueError(f"duplicate rule id {rid}")
        seen.add(rid)
        categories = _codes(r.get("category", ANY), "category", rid)
        for code in categories or ():
            if code != ABSTAINED and not tax.has_category(code):
                raise ValueError(f"rule {rid}: unknown category {code!r}")
        window_name = r.get("window", ANY)
        if window_name != ANY and window_name not in windows:
            raise ValueError(f"rule {rid}: unknown window {window_name!r}")
        department = r.get("department")
        if department is not None:
            tax.department(department)  # KeyError → surfaced as a ValueError below
        priority = r.get("priority")
        if priority is not None and priority not in PRIORITIES:
            raise ValueError(f"rule {rid}: bad priority {priority!r}")
        rule_districts = _codes(r.get("district", ANY), "district", rid)
        if districts is not None:
            # a misspelt district never matches: its reports would silently fall to the generic rule after it
            unknown = sorted(set(rule_districts or ()) - set(districts))
            if unknown:
                raise ValueError(f"rule {rid}: unknown district {unknown[0]!r}")
        rules.append(
            Rule(
                id=rid,
                categories=categories,
                districts=rule_districts,
                window=None if window_name == ANY else windows[window_name],
                department=department,
                unit=str(r["unit"]),
                priority=priority,
                note=str(r.get("note", "")),
            )
        )
    return RuleSet(
        version=str(raw.get("version", "")), timezone=zone(str(raw.get("timezone", "Asia/Almaty"))),
        rules=tuple(rules)
    )


# Kazakhstan has kept one time, UTC+5, since 2024-03-01 (decree of the Government, 2024). A server whose tz database
# predates it (tzdata 2024a) still gives Almaty and Qostanay UTC+6: read through it, every night window began an hour
# early. Rule windows are read at the time of a report, never before 2024, so the zones of Kazakhstan are UTC+5.
KAZAKHSTAN_ZONES = frozenset({"Asia/Almaty", "Asia/Qostanay", "Asia/Aqtobe", "Asia/Aqtau", "Asia/Atyrau", "Asia/Oral",
                              "Asia/Qyzylorda"})


def zone(name: str) -> dt.tzinfo:
    """The time zone of a rule file's `timezone`: a zone of Kazakhstan as UTC+5 whatever the machine's tz database
    says, any other from it (ZoneInfoNotFoundError, a KeyError, for an unknown name)."""
    if name in KAZAKHSTAN_ZONES:
        return dt.timezone(dt.timedelta(hours=5), name)
    return ZoneInfo(name)


def load_rules(path: str | Path | None = None) -> RuleSet:
    """The bundled rules (or the file at `path`, ZAN_ROUTING_RULES_FILE), parsed and validated once per process and
    file: categories and departments against the taxonomy, districts against the district polygons, and a catch-all
    at the end. RulesFileError, naming the file, when it cannot be used."""
    return _load_rules(str(Path(path) if path is not None else RULES_PATH))


@lru_cache(maxsize=4)
def _load_rules(path: str) -> RuleSet:
    from ml.geo import load_district_index

    districts = load_district_index().codes  # outside the try: a problem of the district data is not the rules'
    try:
        with open(path, encoding="utf-8") as fh:
            raw = json.load(fh)
        rules = parse_rules(raw, districts=districts)
        rules.check_catch_all()
    except KeyError as exc:
        raise RulesFileError(f"routing rules {path}: unknown or missing {exc}") from exc
    except (OSError, ValueError) as exc:  # json.JSONDecodeError is a ValueError
        raise RulesFileError(f"routing rules {path}: {exc}") from exc
    return rules
