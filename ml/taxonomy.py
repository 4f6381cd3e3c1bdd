"""The police report taxonomy, loaded from `ml/data/taxonomy.json` (the table of truth) into frozen dataclasses.

Codes are stable API values; names are shown in kk / ru / en. See the json's "notes" for why each flag is set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

DATA_DIR = Path(__file__).resolve().parent / "data"
TAXONOMY_PATH = DATA_DIR / "taxonomy.json"

Priority = Literal["low", "normal", "high", "urgent"]
PRIORITIES: tuple[Priority, ...] = ("low", "normal", "high", "urgent")
LANGUAGES = ("kk", "ru", "en")


@dataclass(frozen=True, slots=True)
class Names:
    kk: str
    ru: str
    en: str

    def get(self, language: str) -> str:
        """Name in `language`, Russian when the language is unknown."""
        return str(getattr(self, language, self.ru)) if language in LANGUAGES else self.ru


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    names: Names
    external: bool


@dataclass(frozen=True, slots=True)
class Redirect:
    target: str
    names: Names
    contact: str
    within_working_days: int


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    names: Names
    covers: str
    department: str
    default_priority: Priority
    urgent_when: str
    restricted: bool
    redirect: Redirect | None
    anonymous_allowed: bool


@dataclass(frozen=True, slots=True)
class Taxonomy:
    version: str
    categories: tuple[Category, ...]
    departments: tuple[Department, ...]
    notes: dict[str, str]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.categories)

    def category(self, code: str) -> Category:
        """The category with this code; KeyError for an unknown code (a programmer or data error)."""
        for c in self.categories:
            if c.code == code:
                return c
        raise KeyError(f"unknown category {code!r}")

    def department(self, code: str) -> Department:
        for d in self.departments:
            if d.code == code:
                return d
        raise KeyError(f"unknown department {code!r}")

    def has_category(self, code: str) -> bool:
        return any(c.code == code for c in self.categories)

    def department_of(self, category_code: str) -> Department:
        return self.department(self.category(category_code).department)

    def restricted_codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.categories if c.restricted)


def _names(raw: dict[str, str]) -> Names:
    return Names(kk=raw["kk"], ru=raw["ru"], en=raw["en"])


def parse_taxonomy(raw: dict[str, Any]) -> Taxonomy:
    """Build and validate a taxonomy; ValueError on dangling department codes or bad priorities."""
    departments = tuple(
        Department(code=d["code"], names=_names(d["names"]), external=bool(d["external"])) for d in raw["departments"]
    )
    dep_codes = {d.code for d in departments}
    categories: list[Category] = []
    for c in raw["categories"]:
        if c["department"] not in dep_codes:
            raise ValueError(f"category {c['code']}: unknown department {c['department']!r}")
        if c["default_priority"] not in PRIORITIES:
            raise ValueError(f"category {c['code']}: bad priority {c['default_priority']!r}")
        r = c.get("redirect")
        redirect = (
            Redirect(
                target=r["target"],
                names=_names(r["names"]),
                contact=r["contact"],
                within_working_days=int(r.get("within_working_days", 3)),
            )
            if r
            else None
        )
        categories.append(
            Category(
                code=c["code"],
                names=_names(c["names"]),
                covers=c["covers"],
                department=c["department"],
                default_priority=c["default_priority"],
                urgent_when=c["urgent_when"],
                restricted=bool(c["restricted"]),
                redirect=redirect,
                anonymous_allowed=bool(c["anonymous_allowed"]),
            )
        )
    codes = [c.code for c in categories]
    if len(set(codes)) != len(codes):
        raise ValueError("duplicate category codes")
    return Taxonomy(
        version=str(raw.get("version", "v1")),
        categories=tuple(categories),
        departments=departments,
        notes={str(k): str(v) for k, v in raw.get("notes", {}).items()},
    )


@lru_cache(maxsize=1)
def load_taxonomy(path: str | None = None) -> Taxonomy:
    """The bundled taxonomy (parsed once per process)."""
    with open(path or TAXONOMY_PATH, encoding="utf-8") as fh:
        return parse_taxonomy(json.load(fh))
