"""Wanted lists are scoped "national / region" (tablet-sync.md): a tablet gets the national entries and those of its
officer's region (their district's, else their unit's); an entry whose scope moves away reaches it as a tombstone,
and an officer moved to another region converges (410 reset, then the new region's entries only)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from backend.context import Context
from backend.lib.errors import ZanError
from backend.officers.models import Officer
from backend.sync import wanted
from backend.sync.pull import pull
from backend.sync.views import viewer_for
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import Tablet, server_view

pytestmark = pytest.mark.anyio


async def _tablet(ctx: Context, *, district: str, unit_district: str | None = None) -> Tablet:
    unit = await make_unit(ctx, district=unit_district) if unit_district is not None else None
    officer, _ = await make_officer(ctx, district=district, unit=unit)
    return Tablet(ctx, officer, unit.id if unit else None)


async def _add(ctx: Context, *regions: str) -> list[str]:
    async with ctx.sessions() as session:
        people = [await wanted.add_person(session, full_name=f"Розыск {region}", reason="розыск", region=region)
                  for region in regions]
        await session.commit()
    return [str(p.id) for p in people]


async def _delta(tablet: Tablet) -> dict[str, Any]:
    """One delta page for the tablet, applied to its replica; returns the wanted_persons change it carried."""
    async with tablet.ctx.sessions() as session:
        viewer = await viewer_for(session, tablet.officer.id, tablet.unit_id)
        page = await pull(session, secret_key=tablet.ctx.settings.secret_key, viewer=viewer, cursor=tablet.cursor)
    change = page.changes.get("wanted_persons", {"upserted": [], "deleted": []})
    for row in change["upserted"]:
        tablet.replica["wanted_persons"][row["id"]] = row
    for gone in change["deleted"]:
        tablet.replica["wanted_persons"].pop(gone, None)
    tablet.cursor = page.cursor
    return change


async def test_a_tablet_gets_national_entries_and_its_regions_only(ctx: Context) -> None:
    astana = await _tablet(ctx, district="astana")
    # no district of their own: the unit's district decides (tselinogradskiy is in Akmola region)
    akmola = await _tablet(ctx, district="", unit_district="tselinogradskiy")
    national_only = await _tablet(ctx, district="")  # neither a district nor a unit
    nationwide, in_astana, in_akmola = await _add(ctx, "national", "astana", "akmola")
    for tablet in (astana, akmola, national_only):
        await tablet.pull_all()
    assert set(astana.replica["wanted_persons"]) == {nationwide, in_astana}
    assert set(akmola.replica["wanted_persons"]) == {nationwide, in_akmola}
    assert set(national_only.replica["wanted_persons"]) == {nationwide}
    # entries added later arrive as deltas in their scope only
    later_astana, later_national = await _add(ctx, "astana", "national")
    for tablet in (astana, akmola, national_only):
        await tablet.pull_all()
    assert set(astana.replica["wanted_persons"]) == {nationwide, in_astana, later_astana, later_national}
    assert set(akmola.replica["wanted_persons"]) == {nationwide, in_akmola, later_national}
    assert set(national_only.replica["wanted_persons"]) == {nationwide, later_national}


async def test_an_entry_moved_to_another_region_is_tombstoned_where_it_was(ctx: Context) -> None:
    astana = await _tablet(ctx, district="astana")
    almaty = await _tablet(ctx, district="almaty")
    (entry,) = await _add(ctx, "astana")
    await astana.pull_all()
    await almaty.pull_all()
    assert entry in astana.replica["wanted_persons"] and entry not in almaty.replica["wanted_persons"]
    async with ctx.sessions() as session:
        assert await wanted.set_region(session, collection="wanted_persons", item_id=uuid.UUID(entry),
                                       region="almaty")
        await session.commit()
    assert (await _delta(astana))["deleted"] == [entry]  # the tombstone, not just silence
    assert [row["id"] for row in (await _delta(almaty))["upserted"]] == [entry]
    # widened to the whole country: both have it; removed: both get the tombstone
    async with ctx.sessions() as session:
        await wanted.set_region(session, collection="wanted_persons", item_id=uuid.UUID(entry), region="national")
        await session.commit()
    await astana.pull_all()
    await almaty.pull_all()
    assert entry in astana.replica["wanted_persons"] and entry in almaty.replica["wanted_persons"]
    async with ctx.sessions() as session:
        await wanted.remove(session, collection="wanted_persons", item_id=uuid.UUID(entry))
        await session.commit()
    for tablet in (astana, almaty):
        assert (await _delta(tablet))["deleted"] == [entry]
        assert tablet.replica == await server_view(ctx, tablet)


async def test_an_officer_moved_to_another_region_converges(ctx: Context) -> None:
    tablet = await _tablet(ctx, district="astana")
    nationwide, in_astana, in_almaty = await _add(ctx, "national", "astana", "almaty")
    await tablet.pull_all()
    assert set(tablet.replica["wanted_persons"]) == {nationwide, in_astana}
    async with ctx.sessions() as session:
        officer = await session.get(Officer, tablet.officer.id)
        assert officer is not None
        officer.district = "almaty"
        await session.commit()
    await tablet.pull_all()
    assert tablet.resets == 1  # the scopes changed: reset, so nothing of the old region can stay behind
    assert set(tablet.replica["wanted_persons"]) == {nationwide, in_almaty}
    assert tablet.replica == await server_view(ctx, tablet)


async def test_an_officer_moved_to_a_unit_of_another_region_converges(ctx: Context) -> None:
    from backend.officers import service as officers

    tablet = await _tablet(ctx, district="", unit_district="astana")
    in_astana, in_almaty = await _add(ctx, "astana", "almaty")
    await tablet.pull_all()
    assert set(tablet.replica["wanted_persons"]) == {in_astana}
    new_unit = await make_unit(ctx, district="almaty")
    async with ctx.sessions() as session:
        officer = await session.get(Officer, tablet.officer.id)
        assert officer is not None
        await officers.set_unit(session, officer=officer, unit=new_unit)
        await session.commit()
    tablet.unit_id = new_unit.id
    await tablet.pull_all()
    assert set(tablet.replica["wanted_persons"]) == {in_almaty}


@pytest.mark.parametrize("region", ["Almaty", "almaty region", "", "region:astana"])
async def test_an_unknown_region_is_refused(ctx: Context, region: str) -> None:
    async with ctx.sessions() as session:
        with pytest.raises(ZanError) as refused:
            await wanted.add_vehicle(session, plate="123 ABC 01", reason="угон", region=region)
    assert refused.value.code == "sync.wanted_region_unknown" and refused.value.status == 422
    assert [e.pointer for e in refused.value.errors] == ["/region"]
