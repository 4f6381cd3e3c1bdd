"""One officer's shift on a patrol tablet, through the real HTTP endpoints: the initial pull, a report taken, en route,
on scene, notes, evidence, resolved; a network that drops answers; a reassignment by dispatch while the tablet is
offline. After every sync the tablet's replica equals what a fresh tablet of the same officer would pull."""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from backend.context import Context
from backend.sync.views import COLLECTIONS
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import uuid7
from tests.sync.test_evidence import assigned_by_console

pytestmark = pytest.mark.anyio


@dataclass
class HttpTablet:
    client: httpx.AsyncClient
    headers: dict[str, str]
    device_id: str
    replica: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {c: {} for c in COLLECTIONS})
    outbox: list[dict[str, Any]] = field(default_factory=list)
    cursor: str | None = None
    counter: int = 0

    def queue(self, entity: str, entity_id: str, op: str, **fields: Any) -> dict[str, Any]:
        self.counter += 1
        m = {"mutation_id": uuid.uuid4().hex, "entity": entity, "id": entity_id, "op": op,
             "hlc": f"{int(time.time() * 1000):013d}-{self.counter:05d}-{self.device_id}", "fields": fields}
        self.outbox.append(m)
        # the optimistic local apply
        if entity == "reports" and entity_id in self.replica["reports"]:
            local = {k: v for k, v in fields.items() if k != "reason"}
            if op == "request_info":
                local["status"] = "awaiting_reporter"
            self.replica["reports"][entity_id].update(local)
        elif entity in ("notes", "evidence") and op == "create":
            self.replica[entity][entity_id] = {"id": entity_id, **fields}
        elif entity == "notes" and op == "delete":
            self.replica["notes"].pop(entity_id, None)
        return m

    async def push(self, *, lose_response: bool = False) -> list[dict[str, Any]]:
        answer = await self.client.post("/api/v1/sync/push", headers=self.headers,
                                        json={"device_id": self.device_id, "mutations": self.outbox})
        assert answer.status_code == 200, answer.text
        if lose_response:
            return []
        results: list[dict[str, Any]] = answer.json()["results"]
        assert all(r["reason"] not in ("internal", "retry") for r in results), results
        self.outbox = []
        return results

    async def pull_all(self) -> None:
        for _ in range(100):
            params = {"cursor": self.cursor} if self.cursor else {}
            answer = await self.client.get("/api/v1/sync/pull", headers=self.headers, params=params)
            assert answer.status_code == 200, answer.text
            page = answer.json()
            for name, change in page["changes"].items():
                for row in change["upserted"]:
                    self.replica[name][row["id"]] = row
                for gone in change["deleted"]:
                    self.replica[name].pop(gone, None)
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return
        raise AssertionError("pull never finished")


async def _fresh_view(client: httpx.AsyncClient, badge: str, password: str) -> dict[str, dict[str, dict[str, Any]]]:
    device = f"fresh-{uuid.uuid4().hex[:8]}"
    fresh = HttpTablet(client, bearer(await login(client, badge, password, device)), device)
    await fresh.pull_all()
    return fresh.replica


async def test_an_officers_shift(app_client: httpx.AsyncClient, ctx: Context) -> None:
    unit, other_unit = await make_unit(ctx), await make_unit(ctx)
    officer, pw = await make_officer(ctx, unit=unit, max_devices=20)  # each fresh view enrols a device
    device = f"tab-{uuid.uuid4().hex[:8]}"
    tab = HttpTablet(app_client, bearer(await login(app_client, officer.badge_number, pw, device)), device)
    await tab.pull_all()
    assert tab.replica["reports"] == {}

    first, console = await assigned_by_console(ctx, app_client, unit)
    second, _ = await assigned_by_console(ctx, app_client, unit)
    rid, rid2 = str(first.id), str(second.id)
    await tab.pull_all()
    assert set(tab.replica["reports"]) == {rid, rid2}

    async def synced() -> None:
        await tab.pull_all()
        assert tab.replica == await _fresh_view(app_client, officer.badge_number, pw)

    # on the way, the answer lost twice
    tab.queue("reports", rid, "update", status="en_route")
    await tab.push(lose_response=True)
    await tab.push(lose_response=True)
    [again] = await tab.push()
    assert (again["status"], again["original_status"]) == ("duplicate", "applied"), again
    await synced()
    assert tab.replica["reports"][rid]["status"] == "en_route"

    # on scene: notes, a question to the reporter, evidence, findings
    note = uuid7()
    tab.queue("reports", rid, "update", status="on_scene", address_details="подъезд 2")
    tab.queue("notes", note, "create", report_id=rid, text="Опросил соседей")
    tab.queue("reports", rid, "request_info", reason="Пришлите фото автомобиля")
    data = b"photo of the car" * 100
    evidence = uuid7()
    tab.queue("evidence", evidence, "create", report_id=rid, sha256=hashlib.sha256(data).hexdigest(),
              size=len(data), content_type="image/jpeg", caption="Автомобиль")
    results = await tab.push()
    assert [r["status"] for r in results] == ["applied"] * 4, results
    upload = await app_client.put(f"/api/v1/sync/evidence/{hashlib.sha256(data).hexdigest()}?offset=0",
                                  content=data, headers=tab.headers)
    assert upload.status_code == 200 and upload.json()["complete"] is True, upload.text
    await synced()
    assert tab.replica["reports"][rid]["status"] == "awaiting_reporter"
    assert tab.replica["evidence"][evidence]["uploaded"] is True

    # offline: the tablet works the second report while dispatch moves it to another unit
    await tab.pull_all()
    late_note = uuid7()
    tab.queue("reports", rid2, "update", status="en_route", findings="в пути")
    tab.queue("notes", late_note, "create", report_id=rid2, text="Звонил заявителю, не отвечает")
    moved = await app_client.post(f"/api/v1/dispatch/reports/{rid2}/assign", json={"unit_id": str(other_unit.id)},
                                  headers=console)
    assert moved.status_code == 200, moved.text
    results = await tab.push()
    assert [(r["status"], r["reason"]) for r in results] == [("rejected", "not_assigned"), ("applied", None)], results
    await synced()
    assert rid2 not in tab.replica["reports"] and late_note not in tab.replica["notes"]

    # resolved, with the write-up typed after marking it, in one batch
    tab.queue("reports", rid, "update", status="resolved", outcome="warning")
    tab.queue("reports", rid, "update", officer_summary="Владелец предупреждён")
    results = await tab.push()
    assert [r["status"] for r in results] == ["applied", "applied"], results
    await synced()
    assert tab.replica["reports"] == {} and tab.replica["notes"] == {} and tab.replica["evidence"] == {}
