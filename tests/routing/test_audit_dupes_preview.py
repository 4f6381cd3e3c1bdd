"""The routing preview of a text with nothing in it (spaces, invisible characters) suggested a category
("drugs", "other offence" as runner-ups) for a report intake then refuses: it answers as intake does, 422
`validation.failed` with /text `too_short`, in the caller's language. Failed on the code before its fix."""

from __future__ import annotations

import pytest

from backend.lib.messages import FIELD_ERRORS
from tests.helpers import PartnerClient

pytestmark = pytest.mark.anyio
PREVIEW = "/api/v1/routing/preview"


@pytest.mark.parametrize("text", ["   ", "\u200b\u200b", "\n\t"])
@pytest.mark.parametrize("lang", ["kk", "ru"])
async def test_a_blank_text_gets_no_suggestion(citizen: PartnerClient, text: str, lang: str) -> None:
    response = await citizen.post(PREVIEW, {"text": text, "lat": 51.13, "lon": 71.43},
                                  headers={"Accept-Language": lang})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation.failed"
    assert body["errors"] == [{"pointer": "/text", "code": "too_short", "detail": FIELD_ERRORS["too_short"][lang]}]
    filed = await citizen.submit(text)  # what intake says of the same text
    assert filed.status_code == 422 and filed.json()["errors"][0]["code"] == "too_short"
