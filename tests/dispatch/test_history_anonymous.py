"""An anonymous report's history does not name its citizen: their internal id is the one on the reports they file
under their name, so the history (events, access lines) showed the key that links the anonymous report to them; nor
the original sha256 of a file they sent later, which names their own file wherever else it turns up.
Real app, the citizen's real intake."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from tests.helpers import PartnerClient, jpeg_with_exif, sha256_hex
from tests.media.test_media import declare, upload_local
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio
DRUGS = "У подъезда дома 12 по Кенесары каждый вечер продают наркотики, закладки прячут в клумбе"


async def _history(ctx: Context, client: httpx.AsyncClient, report_id: str) -> dict[str, object]:
    prosecutor, password = await make_officer(ctx, role="prosecutor")
    answer = await client.get(f"/api/v1/dispatch/reports/{report_id}/history",
                              headers=bearer(await login(client, prosecutor.badge_number, password)))
    assert answer.status_code == 200, answer.text
    record: dict[str, object] = answer.json()
    return record


async def test_an_anonymous_reports_history_hides_its_citizen(ctx: Context, app_client: httpx.AsyncClient,
                                                              citizen: PartnerClient) -> None:
    anonymous = await citizen.submit(DRUGS, anonymous=True, category="drugs")
    named = await citizen.submit("Разбили стекло машины во дворе")
    assert anonymous.status_code == named.status_code == 201, anonymous.text
    photo = jpeg_with_exif()
    for created in anonymous, named:
        declared = (await declare(citizen, photo)).json()
        assert (await upload_local(citizen.http, declared, photo)).status_code == 204
        assert (await citizen.post(f"/api/v1/media/{declared['id']}/complete")).status_code == 200
        comment = await citizen.post(f"/api/v1/reports/{created.json()['id']}/comments",
                                     {"text": "ещё деталь", "media_ids": [declared["id"]]},
                                     headers={"Idempotency-Key": f"c-{created.json()['id']}"})
        assert comment.status_code == 201, comment.text

    hidden = await _history(ctx, app_client, anonymous.json()["id"])
    shown = await _history(ctx, app_client, named.json()["id"])
    citizen_id = next(e["actor_id"] for e in shown["events"] if e["actor_type"] == "citizen")  # type: ignore[index, union-attr]
    assert citizen_id
    mine = [e for e in hidden["events"] if e["actor_type"] == "citizen"]  # type: ignore[union-attr, index]
    assert mine and all(e["actor_id"] is None for e in mine), mine
    assert citizen_id not in str(hidden)
    # nor its files' original hashes: the file sent later is named, its sha256 is not (the named report's is)
    assert sha256_hex(photo) not in str(hidden) and sha256_hex(photo) in str(shown)
