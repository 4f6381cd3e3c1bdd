"""Demo wanted lists (fictional people and plates) for the tablets' down-only collections."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from backend.context import Context
from backend.sync import wanted
from backend.sync.models import WantedPerson, WantedVehicle

PERSONS = (
    ("Серикбаев Ерлан Маратович", 1987, "розыск: ст. 188 УК РК (кража)", "astana", "normal"),
    ("Ковальчук Игорь Петрович", 1979, "уклонение от отбывания наказания", "almaty", "normal"),
    ("Жаксылыкова Мадина Бауыржановна", 2009, "без вести пропавшая несовершеннолетняя", "shymkent", "normal"),
    ("Тлеубаев Асхат Серикович", 1992, "розыск: ст. 192 УК РК (разбой), может быть вооружён", "national", "high"),
    ("Ибрагимов Руслан Ахмедович", 1985, "розыск: ст. 190 УК РК (мошенничество)", "karaganda", "normal"),
)
VEHICLES = (
    ("123 ABC 01", "Toyota", "Camry", "белый", "угон"),
    ("777 KZB 02", "Hyundai", "Accent", "серый", "угон"),
    ("045 TTR 17", "Lada", "Granta", "чёрный", "скрылся с места ДТП"),
    ("512 AAK 05", "Kia", "Rio", "синий", "использовался при грабеже"),
    ("909 MNO 13", "Chevrolet", "Cobalt", "белый", "угон"),
)


async def seed(ctx: Context) -> dict[str, Any]:
    async with ctx.sessions() as session:
        persons = int(await session.scalar(select(func.count()).select_from(WantedPerson)) or 0)
        vehicles = int(await session.scalar(select(func.count()).select_from(WantedVehicle)) or 0)
        if persons == 0:
            for name, year, reason, region, danger in PERSONS:
                await wanted.add_person(session, full_name=name, birth_year=year, reason=reason, region=region,
                                        danger=danger)
        if vehicles == 0:
            for plate, make, model, color, reason in VEHICLES:
                await wanted.add_vehicle(session, plate=plate, make=make, model=model, color=color, reason=reason)
        await session.commit()
    return {"wanted_persons": len(PERSONS) if persons == 0 else persons,
            "wanted_vehicles": len(VEHICLES) if vehicles == 0 else vehicles}
