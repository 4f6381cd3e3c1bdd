"""A tablet's report row carries how rough the reporter's location is (`accuracy_m`, as their device said, up to
100 km): before, the crew got only the pin, and a place "somewhere within 5 km" was driven to as an exact address.
Like the location, it is the server's: a tablet cannot write it."""

from __future__ import annotations

import pytest

from backend.context import Context
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import Tablet, assigned_report

pytestmark = pytest.mark.anyio


async def test_the_row_says_how_precise_the_location_is(ctx: Context) -> None:
    unit = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    rough = await assigned_report(ctx, unit, accuracy_m=5000.0)
    unsaid = await assigned_report(ctx, unit)
    tab = Tablet(ctx, officer, unit.id)
    await tab.pull_all()
    rows = tab.replica["reports"]
    assert (rows[str(rough.id)]["accuracy_m"], rows[str(unsaid.id)]["accuracy_m"]) == (5000.0, None)

    tab.edit("reports", str(rough.id), accuracy_m=10.0)
    [refused] = await tab.push()
    assert (refused["status"], refused["reason"], refused["read_only_fields"]) == (
        "rejected",
        "read_only",
        ["accuracy_m"],
    )
