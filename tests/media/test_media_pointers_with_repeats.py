"""A refused file is pointed at where the app sent it (RFC 9457 problems carry a JSON pointer per field), also when
the list repeats another id before it. Before, a repeated id was dropped first and the pointer counted in the list
without it: `[A, A, unknown]` pointed at `/media_ids/1`, the citizen's good photo, and the app flagged the wrong one."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.helpers import PartnerClient, jpeg_with_exif, sha256_hex
from tests.media.test_media import keyed, upload_local

pytestmark = pytest.mark.anyio


async def _ready_photo(citizen: PartnerClient) -> str:
    photo = jpeg_with_exif()
    created = (await citizen.post("/api/v1/media", {"content_type": "image/jpeg", "size": len(photo),
                                                    "sha256": sha256_hex(photo)}, headers=keyed())).json()
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    assert (await citizen.post(f"/api/v1/media/{created['id']}/complete")).status_code == 200
    return str(created["id"])


def _pointers(problem: Any) -> list[str]:
    return [item["pointer"] for item in problem.json()["errors"]]


async def test_an_unknown_file_after_a_repeated_one_is_pointed_at_where_it_was_sent(citizen: PartnerClient) -> None:
    photo, unknown = await _ready_photo(citizen), str(uuid.uuid4())
    refused = await citizen.submit("Украли велосипед из подъезда", media_ids=[photo, photo, unknown])
    assert refused.status_code == 422 and refused.json()["code"] == "media.not_found", refused.text
    assert _pointers(refused) == ["/media_ids/2"]

    # the same with files sent later, with a comment
    report = (await citizen.submit("Украли велосипед из подъезда")).json()
    comment = await citizen.post(f"/api/v1/reports/{report['id']}/comments",
                                 {"text": "Фото двора", "media_ids": [photo, photo, unknown]},
                                 headers={"Idempotency-Key": str(uuid.uuid4())})
    assert comment.status_code == 422 and comment.json()["code"] == "media.not_found", comment.text
    assert _pointers(comment) == ["/media_ids/2"]

    # a repeated id itself is one file, as before
    taken = await citizen.submit("Украли велосипед из подъезда", media_ids=[photo, photo])
    assert taken.status_code == 201, taken.text
    assert [m["id"] for m in taken.json()["media"]] == [photo]


async def test_a_file_not_uploaded_after_a_repeated_one_is_pointed_at_where_it_was_sent(
        citizen: PartnerClient) -> None:
    photo = await _ready_photo(citizen)
    pending = (await citizen.post("/api/v1/media", {"content_type": "image/jpeg", "size": 10, "sha256": "c" * 64},
                                  headers=keyed())).json()["id"]
    refused = await citizen.submit("Украли велосипед из подъезда", media_ids=[photo, photo, pending])
    assert refused.status_code == 409 and refused.json()["code"] == "media.not_uploaded", refused.text
    assert _pointers(refused) == ["/media_ids/2"]
