"""JSON bodies are taken as JSON only, and with the types the schema declares (backend/lib/inputs.py).

- Litestar converts a `data` body in msgspec's lax mode: `{"satisfaction": "5"}` was stored as the rating 5, and
  `{"anonymous": "true"}` filed an anonymous report. A partner app's serializer bug passed unseen, and a client
  generated from the published schema (integer, boolean) was never told. Now 422 `wrong_type` at the field's pointer,
  in the requester's language; query and path parameters, which arrive as text, are still converted.
- A body labelled `text/plain`, a form, or nothing at all was decoded as JSON and carried out. Now 415
  `request.unsupported_media_type`, answered before the partner's signature is checked, so the very same signed
  request, labelled right, still goes through (the label is not signed: a request refused for it used up nothing).
"""

from __future__ import annotations

import uuid

import httpx
import msgspec
import pytest

from backend.context import Context
from backend.lib.messages import ERRORS, FIELD_ERRORS
from tests.helpers import PartnerClient
from tests.reports.step_helpers import close

pytestmark = pytest.mark.anyio

REPORT = {"text": "Во дворе дома на Кенесары 40 пьяные дерутся", "location": {"lat": 51.1605, "lon": 71.4704}}


def _errors(response: httpx.Response) -> list[tuple[str, str]]:
    return [(e["pointer"], e["code"]) for e in response.json()["errors"]]


async def test_a_value_of_another_type_is_refused_not_converted(ctx: Context, citizen: PartnerClient) -> None:
    report_id = (await citizen.submit("Украли велосипед из подъезда")).json()["id"]
    await close(ctx, report_id)
    path = f"/api/v1/reports/{report_id}/feedback"
    for lang in ("ru", "kk", "en"):
        refused = await citizen.post(path, {"satisfaction": "5"}, headers={"Accept-Language": lang})
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        problem = refused.json()
        assert problem["code"] == "validation.failed" and problem["title"] == ERRORS["validation.failed"][lang]
        assert problem["errors"] == [{"pointer": "/satisfaction", "code": "wrong_type",
                                      "detail": FIELD_ERRORS["wrong_type"][lang]}]
    # a float where an integer is declared, even a whole one, and a string out of range: the type is what is wrong
    for value in (5.0, "9"):
        refused = await citizen.post(path, {"satisfaction": value})
        assert (refused.status_code, _errors(refused)) == (422, [("/satisfaction", "wrong_type")]), refused.text
    assert (await citizen.get(f"/api/v1/reports/{report_id}")).json()["satisfaction"] is None  # nothing was rated

    # nested, and a boolean: "true" never files an anonymous report
    for body, pointer in (({**REPORT, "anonymous": "true"}, "/anonymous"),
                          ({**REPORT, "location": {"lat": "51.1605", "lon": 71.4704}}, "/location/lat")):
        refused = await citizen.post("/api/v1/reports", body, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert (refused.status_code, _errors(refused)) == (422, [(pointer, "wrong_type")]), refused.text

    # what the schema declares still passes, and parameters that arrive as text are still converted
    rated = await citizen.post(path, {"satisfaction": 5})
    assert rated.status_code == 200 and rated.json()["satisfaction"] == 5, rated.text
    listed = await citizen.get("/api/v1/reports?limit=1")
    assert listed.status_code == 200 and [r["id"] for r in listed.json()["items"]] == [report_id]


async def test_a_body_not_labelled_json_is_415_and_spends_no_signature(citizen: PartnerClient) -> None:
    body = msgspec.json.encode(REPORT)
    signed = {**citizen.headers("POST", "/api/v1/reports", body), "Idempotency-Key": str(uuid.uuid4())}
    for label, lang in (("text/plain", "kk"), (None, "en"), ("application/x-www-form-urlencoded", "ru"),
                        ("multipart/form-data; boundary=x", "kk")):
        headers = {**signed, "Accept-Language": lang, **({"Content-Type": label} if label else {})}
        refused = await citizen.http.post("/api/v1/reports", content=body, headers=headers)
        assert refused.status_code == 415, (label, refused.status_code, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        problem = refused.json()
        assert problem["code"] == "request.unsupported_media_type"
        assert problem["title"] == ERRORS["request.unsupported_media_type"][lang]
        assert _errors(refused) == [("#header/Content-Type", "invalid" if label else "required")]
    assert (await citizen.get("/api/v1/reports")).json()["items"] == []  # nothing was registered

    # the same signed bytes, labelled JSON: the refusals above used up neither the signature nor the key
    taken = await citizen.http.post("/api/v1/reports", content=body,
                                    headers={**signed, "Content-Type": "application/json"})
    assert taken.status_code == 201, taken.text


@pytest.mark.parametrize("label", ["application/json; charset=utf-8", "Application/JSON;charset=UTF-8",
                                   "application/problem+json"])
async def test_json_labelled_with_parameters_or_a_json_suffix_is_taken(citizen: PartnerClient, label: str) -> None:
    taken = await citizen.post("/api/v1/reports", REPORT,
                               headers={"Idempotency-Key": str(uuid.uuid4()), "Content-Type": label})
    assert taken.status_code == 201, taken.text


async def test_an_empty_body_needs_no_label(citizen: PartnerClient) -> None:
    """A withdrawal's reason is optional: no body says nothing of its type, and is taken as before."""
    report_id = (await citizen.submit()).json()["id"]
    withdrawn = await citizen.post(f"/api/v1/reports/{report_id}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "closed", withdrawn.text


async def test_the_description_documents_415_where_json_is_taken(app_client: httpx.AsyncClient) -> None:
    paths = (await app_client.get("/schema/openapi.json")).json()["paths"]
    documented = paths["/api/v1/reports"]["post"]["responses"]["415"]
    assert list(documented["content"]) == ["application/problem+json"]
    # a raw upload takes any type it declared; a read takes no body
    assert "415" not in paths["/api/v1/media/{media_id}/upload"]["put"]["responses"]
    assert "415" not in paths["/api/v1/reports"]["get"]["responses"]
