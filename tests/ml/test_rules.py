from __future__ import annotations

import datetime as dt
import json
import struct
import zoneinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ml import routing_rules
from ml.routing_rules import RULES_PATH, NoRuleMatched, load_rules, parse_rules

ALMATY = ZoneInfo("Asia/Almaty")


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 10, hour, minute, tzinfo=ALMATY)


def test_first_match_wins_city_over_generic() -> None:
    rules = load_rules()
    assert rules.match("theft", "astana", at(12)).rule_id == "criminal-astana"
    generic = rules.match("theft", "karasayskiy", at(12))
    assert generic.rule_id == "criminal-any"
    assert generic.unit == "karasayskiy-criminal-police"


def test_the_three_cities_have_their_own_unit_for_the_same_categories() -> None:
    """Astana, Almaty and Shymkent (the cities of republican significance) each run their own units: a category one
    of them routes to its own unit, the others do too (Shymkent's fraud went to the national cybercrime unit)."""
    cities = ("astana", "almaty", "shymkent")
    raw = json.loads(RULES_PATH.read_text(encoding="utf-8"))["rules"]
    own: dict[str, set[tuple[str, str]]] = {city: set() for city in cities}
    for rule in raw:
        if rule["district"] in cities:
            codes = rule["category"] if isinstance(rule["category"], list) else [rule["category"]]
            own[rule["district"]] |= {(code, rule["window"]) for code in codes}
    assert own["astana"] == own["almaty"] == own["shymkent"], own
    assert load_rules().match("fraud", "shymkent", at(12)).unit == "shymkent-cybercrime"


def test_night_window_wraps_midnight() -> None:
    rules = load_rules()
    assert rules.match("public_order", "astana", at(23, 30)).unit == "astana-patrol-night"
    assert rules.match("public_order", "astana", at(3)).unit == "astana-patrol-night"
    assert rules.match("public_order", "astana", at(6)).rule_id == "public-order-any"  # end is exclusive
    assert rules.match("public_order", "astana", at(21, 59)).rule_id == "public-order-any"
    assert rules.match("public_order", "astana", at(22)).rule_id == "night-astana"


def test_utc_input_converted_to_local_time() -> None:
    # 17:30 UTC is 22:30 in Kazakhstan (UTC+5 since 2024)
    utc = dt.datetime(2026, 3, 10, 17, 30, tzinfo=dt.UTC)
    assert load_rules().match("vandalism", "almaty", utc).unit == "almaty-patrol-night"
    naive_utc = dt.datetime(2026, 3, 10, 17, 30)
    assert load_rules().match("vandalism", "almaty", naive_utc).unit == "almaty-patrol-night"


def test_special_categories() -> None:
    rules = load_rules()
    complaint = rules.match("police_complaint", "almaty", at(23))
    assert complaint.department == "internal_security" and complaint.unit == "almaty-internal-security"
    assert rules.match("police_complaint", None, at(10)).unit == "mvd-internal-security"
    redirect = rules.match("not_police", "shymkent", at(10))
    assert redirect.department == "akimat" and redirect.unit == "akimat-shymkent" and redirect.priority == "low"
    emergency = rules.match("emergency", None, at(10))
    assert emergency.department == "emergency_112" and emergency.priority == "urgent"
    dv = rules.match("domestic_violence", "astana", at(23))  # restricted: designated unit even at night
    assert dv.unit == "astana-family-violence-unit"
    assert rules.match(None, "astana", at(10)).unit == "triage-queue"
    assert rules.match("road_accident", None, at(10)).unit == "unlocated-traffic-police"


def test_every_category_has_a_specific_rule() -> None:
    from ml.taxonomy import load_taxonomy

    rules = load_rules()
    for code in load_taxonomy().codes:
        for hour in (3, 12):
            assert rules.match(code, "astana", at(hour)).rule_id != "fallback", code


def test_validation_rejects_typos() -> None:
    base = {"windows": {"night": {"start": "22:00", "end": "06:00"}}}
    with pytest.raises(ValueError, match="unknown category"):
        parse_rules({**base, "rules": [{"id": "a", "category": "thef", "department": None, "unit": "x"}]})
    with pytest.raises(ValueError, match="unknown window"):
        bad_window = {"id": "a", "category": "*", "window": "nite", "department": None, "unit": "x"}
        parse_rules({**base, "rules": [bad_window]})
    with pytest.raises(ValueError, match="duplicate"):
        parse_rules({**base, "rules": [{"id": "a", "unit": "x"}, {"id": "a", "unit": "y"}]})
    with pytest.raises(KeyError):
        parse_rules({**base, "rules": [{"id": "a", "department": "secret_police", "unit": "x"}]})
    no_catch_all = parse_rules({**base, "rules": [{"id": "a", "category": "theft", "department": None, "unit": "x"}]})
    with pytest.raises(NoRuleMatched):
        no_catch_all.match("fraud", None, at(12))


def test_decided_priority_urgent_then_rule_then_category_default() -> None:
    rules = load_rules()
    emergency = rules.match("emergency", None, at(10))
    assert emergency.decided_priority("normal", urgent=False) == "urgent"  # the rule's override wins the default
    theft = rules.match("theft", "astana", at(10))
    assert theft.priority is None and theft.decided_priority("normal", urgent=False) == "normal"
    assert theft.decided_priority("normal", urgent=True) == "urgent"
    assert rules.match(None, "astana", at(10)).decided_priority(None, urgent=False) == "normal"  # abstained


def test_loading_rejects_a_district_that_does_not_exist(tmp_path: Path) -> None:
    """A misspelt district never matches: its reports would fall to the generic rule (the family-violence unit of
    the city to a district inspector) without a word. Loading refuses it, as a misspelt category."""
    raw = json.loads(RULES_PATH.read_text(encoding="utf-8"))
    raw["rules"][0]["district"] = "astana-city"
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown district 'astana-city'"):
        load_rules(str(path))
    assert load_rules().match("police_complaint", "astana", at(12)).rule_id == "complaint-astana"  # the bundled load


def _old_tz_database(root: Path) -> Path:
    """A tz database as machines not updated since early 2024 hold it: Asia/Almaty at UTC+6 (a TZif v1 file with one
    local time type and no transitions)."""
    zone = root / "Asia" / "Almaty"
    zone.parent.mkdir(parents=True)
    header = b"TZif" + b"\x00" * 16 + struct.pack(">6l", 0, 0, 0, 0, 1, 4)
    zone.write_bytes(header + struct.pack(">lBB", 6 * 3600, 0, 0) + b"+06\x00")
    return root


def test_local_time_is_utc_plus_5_whatever_the_machines_tz_database_says(tmp_path: Path) -> None:
    """Kazakhstan has kept one time, UTC+5, since 2024-03-01. A server whose tz database predates that (tzdata 2024a)
    still gives Asia/Almaty UTC+6, and read through it every night window began an hour early: a report at 21:30
    went to the night patrol."""
    zoneinfo.reset_tzpath(to=[str(_old_tz_database(tmp_path))])
    zoneinfo.ZoneInfo.clear_cache()
    routing_rules._load_rules.cache_clear()
    try:
        assert zoneinfo.ZoneInfo("Asia/Almaty").utcoffset(None) == dt.timedelta(hours=6)  # the old database is read
        rules = load_rules()
        assert rules.local_time(dt.datetime(2026, 3, 10, 16, 30, tzinfo=dt.UTC)).hour == 21
        assert rules.match("vandalism", "almaty", dt.datetime(2026, 3, 10, 16, 30, tzinfo=dt.UTC)).unit != (
            "almaty-patrol-night")
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()
        routing_rules._load_rules.cache_clear()
