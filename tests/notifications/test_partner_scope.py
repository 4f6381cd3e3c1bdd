"""A report is shown only by the partner app it was filed through (reports.service.get_for_citizen); its pushes and
the devices an app may manage follow the same line, so one bank's app never learns of a report filed through eGov."""

from __future__ import annotations

import uuid

import pytest

from backend.context import Context
from backend.notifications.models import Device
from backend.notifications.schemas import DeviceIn
from backend.notifications.service import Owner, register_device
from backend.partners.models import Partner
from backend.reports.workflow import Action
from tests.fakes.fcm import FakeFCM, registration_token
from tests.notifications.conftest import BOTH_DBS, act, drain, new_report

pytestmark = pytest.mark.anyio


async def _partners(ctx: Context) -> tuple[uuid.UUID, uuid.UUID]:
    async with ctx.sessions() as session:
        egov, bank = (Partner(name=f"{name}-{uuid.uuid4().hex[:6]}", secret_sealed="x") for name in ("egov", "bank"))
        session.add_all([egov, bank])
        await session.commit()
        return egov.id, bank.id


async def _device(ctx: Context, citizen_id: uuid.UUID, partner_id: uuid.UUID, token: str) -> Device:
    async with ctx.sessions() as session:
        device = await register_device(session, owner=Owner(kind="citizen", citizen_id=citizen_id,
                                                            partner_id=partner_id),
                                       language="ru", data=DeviceIn(platform="android", token=token))
        await session.commit()
        return device


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_a_status_change_is_pushed_only_to_the_app_the_report_was_filed_through(
        ctx: Context, fcm: FakeFCM) -> None:
    egov, bank = await _partners(ctx)
    report = await new_report(ctx, partner_id=egov)
    filed_through = await _device(ctx, report.citizen_id, egov, registration_token("egov"))
    other_app = await _device(ctx, report.citizen_id, bank, registration_token("bank"))
    await act(ctx, report.id, Action.ASSIGN)
    await drain(ctx)

    assert len(fcm.pushes_to(filed_through.token or "")) == 1
    assert fcm.pushes_to(other_app.token or "") == []


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_an_app_does_not_own_the_device_another_app_registered(ctx: Context) -> None:
    egov, bank = await _partners(ctx)
    citizen_id = (await new_report(ctx, partner_id=egov)).citizen_id
    device = await _device(ctx, citizen_id, egov, registration_token("egov"))

    assert Owner(kind="citizen", citizen_id=citizen_id, partner_id=egov).owns(device)
    assert not Owner(kind="citizen", citizen_id=citizen_id, partner_id=bank).owns(device)
