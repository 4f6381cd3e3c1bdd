"""Staff download a file under the report's number and an extension their player knows, for every type taken.
Before, the extension came from the host's mimetypes table, which has none for audio/wav, audio/amr, audio/webm or
video/3gpp on a stock image: a voice note reached the console as "ZP-…-1.bin"."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from backend.media.formats import EXTENSIONS, KINDS
from tests.helpers import PartnerClient, sha256_hex
from tests.media.recordings import recording
from tests.media.test_anonymous_files import _console, _linked
from tests.media.test_media import keyed, upload_local

pytestmark = pytest.mark.anyio


def test_every_type_taken_has_its_extension() -> None:
    taken = {content_type for kind in KINDS for content_type in kind.content_types}
    assert set(EXTENSIONS) == taken
    assert all(ext.startswith(".") and ext != ".bin" for ext in EXTENSIONS.values())


async def test_a_voice_note_is_downloaded_as_wav(ctx: Context, app_client: httpx.AsyncClient,
                                                citizen: PartnerClient) -> None:
    wav = recording("wav", "pcm_s16le")
    created = (await citizen.post("/api/v1/media", {"content_type": "audio/wav", "size": len(wav),
                                                    "sha256": sha256_hex(wav)}, headers=keyed())).json()
    assert (await upload_local(citizen.http, created, wav)).status_code in (200, 204)
    assert (await citizen.post(f"/api/v1/media/{created['id']}/complete")).status_code == 200
    report = await citizen.submit("Сосед ночью кричит и угрожает, запись голоса прилагаю", media_ids=[created["id"]])
    assert report.status_code == 201, report.text

    [item] = await _linked(app_client, await _console(ctx, app_client), report.json()["id"])
    got = await app_client.get(item["url"].split("127.0.0.1:8000", 1)[1])
    assert got.status_code == 200 and got.content == wav
    number = report.json()["number"]
    assert got.headers["content-disposition"] == f'attachment; filename="{number}-1.wav"'
