"""Demo units per major city and department, and a few officers whose badge/password the embedded demo prints."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.context import Context
from backend.officers import service
from backend.officers.auth import hash_password
from backend.officers.models import Officer, Unit

CITIES = {"astana": (51.1605, 71.4704), "almaty": (43.2389, 76.8897), "shymkent": (42.3417, 69.5901)}
DEPARTMENTS = {"patrol_police": "ПП", "traffic_police": "ЮП", "district_inspector": "УУП", "juvenile_police": "ПДН",
               "criminal_police": "КП"}
DESIGNATED = {"district_inspector": ["domestic_violence"], "juvenile_police": ["child_incident"]}
OFFICERS = (
    ("D-0001", "Айгерим Садыкова", "dispatcher", "patrol_police", "astana", None),
    ("P-1001", "Нурлан Ахметов", "patrol_officer", "patrol_police", "astana", "AST-ПП-1"),
    ("P-1002", "Дмитрий Ковалёв", "patrol_officer", "patrol_police", "astana", "AST-ПП-1"),
    ("I-2001", "Гульнара Жумабаева", "district_inspector", "district_inspector", "astana", "AST-УУП-1"),
    ("S-0001", "Ерлан Касымов", "supervisor", "patrol_police", "astana", None),
    ("A-0001", "Админ Системы", "admin", "patrol_police", "astana", None),
)
# embedded demo only: printed by `zan seed` so the demo tablet can log in
DEMO_PASSWORD = "Demo-Zan-2026"  # noqa: S105


async def seed(ctx: Context) -> dict[str, Any]:
    units = 0
    async with ctx.sessions() as session:
        by_code = {u.code: u for u in await session.scalars(select(Unit))}
        for city, (lat, lon) in CITIES.items():
            for dept, short in DEPARTMENTS.items():
                for n in (1, 2):
                    code = f"{city[:3].upper()}-{short}-{n}"
                    if code in by_code:
                        continue
                    by_code[code] = await service.create_unit(
                        session, code=code, name=f"{short} {city.title()} №{n}", department=dept, district=city,
                        restricted_categories=DESIGNATED.get(dept, []), lat=lat + 0.01 * n, lon=lon + 0.01 * n)
                    units += 1
        pw_hash: str | None = None
        shown: list[dict[str, Any]] = []
        for badge, name, role, dept, district, unit_code in OFFICERS:
            exists = await session.scalar(select(Officer).where(Officer.badge_number == badge))  # type: ignore[arg-type]
            if exists is None:
                pw_hash = pw_hash or hash_password(DEMO_PASSWORD)  # once, and only when an account is created
                await service.create_officer(session, badge_number=badge, full_name=name, role=role, department=dept,
                                             district=district, password=DEMO_PASSWORD, password_hash=pw_hash,
                                             unit=by_code.get(unit_code or ""), actor_id="seed")
                shown.append({"badge_number": badge, "role": role, "password": DEMO_PASSWORD, "unit": unit_code})
            else:
                # an account that was there already keeps whatever password it has now: never print one for it
                shown.append({"badge_number": badge, "role": role, "unit": unit_code, "existed": True})
        await session.commit()
    return {"units_created": units, "officers": shown}
