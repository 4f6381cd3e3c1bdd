"""The partner-app edge: partner names (case, reserved channels), malformed X-Signature headers, the key cache under
a flood of made-up partner ids, and replay across partners."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.lib.errors import ZanError
from backend.partners import service
from backend.partners.models import Partner
from backend.partners.service import SignedHeaders, by_name, create, verify
from tests.helpers import PartnerClient, make_iin

pytestmark = pytest.mark.anyio
PATH = "/api/v1/reports"
REPORT = '{"text":"Во дворе дерутся","location":{"lat":51.16,"lon":71.47}}'.encode()


async def _create(ctx: Context, name: str) -> service.CreatedPartner:
    async with ctx.sessions() as session:
        return await create(session=session, secret_key=ctx.settings.secret_key, name=name)


# --- names -------------------------------------------------------------------------------------------------------

async def test_a_case_variant_of_a_taken_name_is_refused(ctx: Context) -> None:
    """The channel is the name lower-cased: "Kaspi" and "kaspi" would record two apps' reports as one channel."""
    await _create(ctx, "Kaspi")
    for variant in ("kaspi", "KASPI", "kAsPi"):
        with pytest.raises(ValueError, match="Kaspi"):
            await _create(ctx, variant)
    async with ctx.sessions() as session:
        assert list(await session.scalars(select(col(Partner.name)))) == ["Kaspi"]


async def test_a_name_is_found_whatever_its_case(ctx: Context) -> None:
    """`by_name` is how the CLI, the seed and the citizen bot find an app: a case variant finds the one app."""
    created = await _create(ctx, "Halyk")
    async with ctx.sessions() as session:
        for variant in ("Halyk", "halyk", "HALYK"):
            found = await by_name(session=session, name=variant)
            assert found is not None and found.id == created.id


async def test_case_duplicates_kept_from_before_still_work(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """Rows created before names were compared regardless of case: each is still found by its exact name, and each
    app's requests still go through."""
    async with ctx.sessions() as session:
        upper = Partner(name="Kaspi", secret_sealed=service.seal(ctx.settings.secret_key, "upper-secret"))
        lower = Partner(name="kaspi", secret_sealed=service.seal(ctx.settings.secret_key, "lower-secret"))
        session.add_all([upper, lower])
        await session.commit()
        ids = {upper.name: upper.id, lower.name: lower.id}
    async with ctx.sessions() as session:
        for name, partner_id in ids.items():
            found = await by_name(session=session, name=name)
            assert found is not None and found.id == partner_id
    for partner_id, secret in ((ids["Kaspi"], "upper-secret"), (ids["kaspi"], "lower-secret")):
        client = PartnerClient(app_client, str(partner_id), secret, make_iin(1))
        assert (await client.get(PATH)).status_code == 200


@pytest.mark.parametrize("name", ["telegram", "Telegram", "TELEGRAM", "tablet", "Console", "system"])
async def test_the_services_own_channels_are_not_a_partners_name(ctx: Context, name: str) -> None:
    """The citizen bot's reports are recorded under `telegram`, and only those get status messages in a chat; the
    tablets', the console's and the system's events under their own names. A partner app must not share one."""
    with pytest.raises(ValueError, match="reserved"):
        await _create(ctx, name)


async def test_the_bots_own_partner_row_is_still_created(ctx: Context) -> None:
    created = await _create(ctx, "telegram-bot")
    assert created.name == "telegram-bot"


# --- malformed X-Signature -----------------------------------------------------------------------------------------

def _good(citizen: PartnerClient) -> dict[str, str]:
    return citizen.headers("GET", PATH, b"")


@pytest.mark.parametrize(("make", "reason"), [
    (lambda sig: f"sha256={sig}", "invalid"),  # GitHub's webhook scheme
    (lambda sig: f"Zan-HMAC-SHA256 {sig}", "invalid"),  # the challenge's scheme name put in front
    (lambda sig: sig[:-1] + "g", "invalid"),  # not hex
    (lambda sig: "zz" * 32, "invalid"),
    (lambda sig: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "invalid"),  # base64 instead of hex
    (lambda sig: sig[:32], "too_short"),  # half of it (a truncating proxy, a 128-bit MAC)
    (lambda sig: sig[:63], "too_short"),
    (lambda sig: sig + "00", "too_long"),
    (lambda sig: sig * 2, "too_long"),  # SHA-512's length
])
async def test_a_malformed_signature_names_the_header_and_what_is_wrong(citizen: PartnerClient, make, reason: str
                                                                       ) -> None:  # type: ignore[no-untyped-def]
    headers = _good(citizen)
    headers["X-Signature"] = make(headers["X-Signature"])
    response = await citizen.http.get(PATH, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == 'Zan-HMAC-SHA256 realm="zan-partner"'
    body = response.json()
    assert body["code"] == "auth.signature_invalid"
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [("#header/X-Signature", reason)]
    # the same answer for a partner id nobody has: the format is judged before any key is looked at
    unknown = await citizen.http.get(PATH, headers={**headers, "X-Partner-Id": str(uuid.uuid4())})
    assert (unknown.status_code, unknown.json()) == (401, body)


async def test_a_well_formed_wrong_signature_names_no_part(citizen: PartnerClient) -> None:
    """A 64-hex-digit signature that does not match says nothing more: which part of the string to sign differs is
    not ours to tell (and telling would help a forger)."""
    headers = {**_good(citizen), "X-Signature": "0" * 64}
    body = (await citizen.http.get(PATH, headers=headers)).json()
    assert body["code"] == "auth.signature_invalid" and "errors" not in body


async def test_a_signature_in_upper_case_hex_is_still_taken(citizen: PartnerClient) -> None:
    headers = _good(citizen)
    headers["X-Signature"] = headers["X-Signature"].upper()
    assert (await citizen.http.get(PATH, headers=headers)).status_code == 200


# --- the key cache -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_flood_of_made_up_partner_ids_does_not_evict_the_real_partners_keys(
    ctx: Context, citizen: PartnerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """X-Partner-Id is the caller's to choose before any signature is checked: a flood of random ids must not push
    the real partners' keys out of the cache (each of their requests would then read the database again). The
    bound is lowered, as tests/reports/test_partner_isolation.py does, so the flood is a dozen requests."""
    monkeypatch.setattr(service, "_SECRET_CACHE_MAX", 5)
    assert (await citizen.get(PATH)).status_code == 200
    partner_id = uuid.UUID(citizen.partner_id)
    cached = ctx.extras["partner_keys"][partner_id]
    ts = str(int(time.time()))
    for _ in range(12):
        with pytest.raises(ZanError):
            await verify(ctx, headers=SignedHeaders(str(uuid.uuid4()), ts, citizen.iin, "0" * 64),
                         method="GET", path_with_query=PATH, body=b"")
    assert ctx.extras["partner_keys"].get(partner_id) is cached
    assert len(ctx.extras.get("partner_keys.unknown", {})) <= 5  # the made-up ids stay bounded too
    assert (await citizen.get(PATH)).status_code == 200


# --- replay ---------------------------------------------------------------------------------------------------------

async def test_the_same_request_of_two_partners_is_not_a_replay_of_the_other(
    ctx: Context, app_client: httpx.AsyncClient
) -> None:
    """Signatures are claimed across partners in one store: the same bytes at the same second from two apps are two
    requests (each app's MAC differs), and each one's replay is still refused."""
    first, second = await _create(ctx, "egov"), await _create(ctx, "halyk")
    ts = int(time.time())
    answers = []
    for created in (first, second):
        client = PartnerClient(app_client, str(created.id), created.secret, make_iin(1))
        headers = {**client.headers("POST", PATH, REPORT, ts=ts), "Idempotency-Key": "same-key",
                   "Content-Type": "application/json"}
        answers.append(await app_client.post(PATH, content=REPORT, headers=headers))
        answers.append(await app_client.post(PATH, content=REPORT, headers=headers))
    assert [a.status_code for a in answers] == [201, 401, 201, 401], [a.text for a in answers]
    assert {answers[1].json()["code"], answers[3].json()["code"]} == {"auth.replayed"}


async def test_an_empty_body_is_signed_as_the_hash_of_nothing(citizen: PartnerClient) -> None:
    """A POST with Content-Length 0 and one with no body at all both hash b"": the signature checks out, and what
    is refused is the missing body (422 at the root), not the signature (401)."""
    for extra in ({"Content-Length": "0"}, {}):
        headers = {**citizen.headers("POST", PATH, b""), "Idempotency-Key": str(uuid.uuid4()),
                   "Content-Type": "application/json", **extra}
        response = await citizen.http.post(PATH, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "validation.failed"
        assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [("", "required")]


@pytest.mark.parametrize(("timestamp", "code"), [
    ("+{now}", "auth.signature_invalid"), ("{now}.0", "auth.signature_invalid"), ("-{now}", "auth.signature_invalid"),
    ("{now}000", "auth.clock_skew"),  # milliseconds
    ("0", "auth.clock_skew"),
])
async def test_a_timestamp_that_is_not_unix_seconds_points_at_its_header(citizen: PartnerClient, timestamp: str,
                                                                        code: str) -> None:
    """Signed with the very string sent, so only the timestamp's form can be what is refused."""
    ts = timestamp.format(now=int(time.time()))
    headers = _good(citizen)
    headers.update({"X-Timestamp": ts, "X-Signature": service.sign(citizen.secret, ts, "GET", PATH, b"", citizen.iin)})
    body = (await citizen.http.get(PATH, headers=headers)).json()
    assert body["code"] == code
    assert [e["pointer"] for e in body["errors"]] == ["#header/X-Timestamp"]
