"""Device registry and area alerts. Report-event fan-out is in fanout.py, sending in delivery.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

import backend.notifications.messages  # noqa: F401  (registers this domain's error codes)
from backend.jobs.service import enqueue
from backend.lib.clock import as_utc, utcnow
from backend.lib.errors import FieldProblem, ZanError
from backend.lib.i18n import LANGS
from backend.lib.redis import UNAVAILABLE
from backend.notifications import geo, templates
from backend.notifications.delivery import RETRY_POLICIES
from backend.notifications.fanout import PUSH_ATTEMPTS, insert_deliveries
from backend.notifications.models import AreaAlert, Delivery, Device
from backend.notifications.schemas import AlertIn, DeviceIn, DeviceOut
from backend.officers.auth import BEARER_REFUSED
from backend.officers.jurisdiction import jurisdiction_of
from backend.officers.locks import lock_officer
from backend.officers.models import OfficerSession

if TYPE_CHECKING:
    from backend.context import Context

ALERTS_PER_HOUR = 10
# an officer's position older than this says nothing about where the tablet is now
AREA_FRESH_FOR = timedelta(hours=6)
URGENT_ALERTS = frozenset({"missing_child", "public_safety"})


@dataclass(frozen=True)
class Owner:
    """Whose device: a citizen (through a partner app) or an officer (tablet)."""

    kind: str  # citizen | officer
    citizen_id: uuid.UUID | None = None
    partner_id: uuid.UUID | None = None
    officer_id: uuid.UUID | None = None
    # the officer's login session: the tablet it was opened on is what a registration is tied to
    session_id: uuid.UUID | None = None

    def owns(self, device: Device) -> bool:
        if self.kind == "citizen":
            # a partner app answers for the devices registered through it only, as for the reports filed through it
            return (device.owner_type == "citizen" and device.citizen_id == self.citizen_id
                    and (self.partner_id is None or device.partner_id == self.partner_id))
        return device.owner_type == "officer" and device.officer_id == self.officer_id


def topics_for(device: Device) -> list[str]:
    """What the app subscribes to: its districts, plus its language (alerts target `district-x && lang-y`)."""
    return [*(f"district-{d}" for d in device.districts), f"lang-{device.language}"] if device.districts else []


def device_view(device: Device) -> DeviceOut:
    return DeviceOut(id=device.id, platform=device.platform, language=device.language, districts=device.districts,
                     topics=topics_for(device), created_at=device.created_at)


def _check_districts(districts: list[str]) -> None:
    """422 naming every unknown district code: its topic would exist, but no alert is ever sent to it."""
    from ml.geo import load_district_index

    known = set(load_district_index().codes)
    bad = [i for i, code in enumerate(districts) if code not in known]
    if bad:
        raise ZanError("validation.failed", 422, errors=[FieldProblem(f"/districts/{i}", "not_found") for i in bad])


async def _session_tablet(session: AsyncSession, session_id: uuid.UUID) -> uuid.UUID:
    """The enrolled tablet (officers' Device.id) a live login session was opened on.

    The access token names the session, not the tablet, so it is read here. Auth already refused revoked
    sessions and tablets, but in its own, earlier transaction: locking the session row orders this registration
    with a concurrent `revoke_device` / `revoke_officer` (both update that row before deactivating push devices),
    so either the revocation sees the registration and deactivates it, or this sees the session revoked."""
    tablet = await session.scalar(select(col(OfficerSession.device_pk)).where(
        col(OfficerSession.id) == session_id, col(OfficerSession.revoked_at).is_(None)).with_for_update())
    if tablet is None:
        raise ZanError("officer.token_invalid", 401, headers=BEARER_REFUSED)
    return tablet


def _held_by(owner: Owner, device: Device) -> bool:
    """Whether a registered device is this owner's own, to be updated by their registration. A citizen's row of no
    app (its partner deleted: SET NULL) is still theirs."""
    if owner.kind == "citizen":
        return (device.owner_type == "citizen" and device.citizen_id == owner.citizen_id
                and device.partner_id in (None, owner.partner_id))
    return device.owner_type == "officer" and device.officer_id == owner.officer_id


def _addressed(device: Device, data: DeviceIn) -> bool:
    """Whether a registered device holds the token or fid being registered (not merely the token it replaces)."""
    return bool((data.token and device.token == data.token) or (data.fid and device.fid == data.fid))


async def register_device(session: AsyncSession, *, owner: Owner, data: DeviceIn, language: str | None) -> Device:
    """Create or update the owner's device holding this token / fid; one another owner held is replaced by a new one.
    `language`: what the request's Accept-Language names (None: none of kk / ru / en), used when the body has none."""
    if not data.token and not data.fid:
        raise ZanError("device.target_missing", 422, errors=[FieldProblem("/token", "required")])
    if data.districts is not None:
        _check_districts(data.districts)  # before anything is written (the merge below deletes rows)
    tablet = await _session_tablet(session, owner.session_id) if owner.session_id else None
    conditions = [col(Device.token) == data.token] if data.token else []
    if data.fid:
        conditions.append(col(Device.fid) == data.fid)
    if data.replaces and data.token:
        conditions.append(col(Device.token) == data.replaces)
    found = [row for row in await session.scalars(select(Device).where(or_(*conditions)))
             # a token it replaces names only this owner's own device: anyone else's is left alone
             if _held_by(owner, row) or _addressed(row, data)]
    # A phone that changed hands (another citizen signed in to the app, or another app or an officer took the token)
    # is a new device, not the old one handed over: the pushes still queued for the previous holder (their report
    # numbers and statuses) find no device and are dropped, and the districts they chose are not passed on
    device = next((row for row in found if _held_by(owner, row)), None)
    stale = [row for row in found if row is not device]  # the previous holder's, or token and fid registered apart
    for row in stale:
        await session.delete(row)
    if stale:
        # the unit of work writes inserts and updates before deletes: the device would take a stale row's unique
        # fid or token while that row still holds it
        await session.flush()
    known = device is not None
    device = device or Device(owner_type=owner.kind, platform=data.platform)
    now = utcnow()
    device.owner_type, device.platform = owner.kind, data.platform
    device.citizen_id, device.partner_id = owner.citizen_id, owner.partner_id
    device.officer_id, device.officer_device_pk = owner.officer_id, tablet
    device.token = data.token or device.token
    device.fid = data.fid or device.fid
    # a registration that names no language keeps the device's: the app's token refresh (`replaces`, sent from a
    # background handler, often by the partner's server without the citizen's Accept-Language) turned a Kazakh
    # phone's pushes Russian. A new device starts in Russian (the column's default), as the API answers
    device.language = data.language or language or device.language
    if data.districts is not None:
        device.districts = sorted(set(data.districts))
    device.active, device.pruned_reason, device.updated_at = True, None, now
    if known:
        session.add(device)
        await session.flush()
        return device
    try:
        async with session.begin_nested():
            session.add(device)
    except IntegrityError:  # a concurrent first registration of this token or fid won: update its row instead
        return await register_device(session, owner=owner, data=data, language=language)
    return device


async def owned_device(session: AsyncSession, *, owner: Owner, device_id: uuid.UUID) -> Device:
    """The owner's device; someone else's is as absent as a missing one (no IDOR)."""
    device = await session.get(Device, device_id)
    if device is None or not owner.owns(device):
        raise ZanError("device.not_found", 404)
    return device


async def remove_device(session: AsyncSession, *, owner: Owner, device_id: uuid.UUID) -> None:
    """Logout: the device gets nothing more (pending deliveries to it are dropped when they come up)."""
    await session.delete(await owned_device(session, owner=owner, device_id=device_id))
    await session.flush()


async def set_districts(session: AsyncSession, *, owner: Owner, device_id: uuid.UUID, districts: list[str]) -> Device:
    _check_districts(districts)
    device = await owned_device(session, owner=owner, device_id=device_id)
    device.districts, device.updated_at = sorted(set(districts)), utcnow()
    session.add(device)
    await session.flush()
    return device


async def update_device_area(session: AsyncSession, officer_id: uuid.UUID, lat: float, lon: float) -> None:
    """An officer's location heartbeat: their tablets' last known area (for area alerts). The caller commits."""
    await session.execute(
        update(Device).where(Device.officer_id == officer_id, Device.owner_type == "officer")  # type: ignore[arg-type]
        .values(last_lat=lat, last_lon=lon, area_updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def deactivate_officer_devices(session: AsyncSession, officer_id: uuid.UUID, reason: str, *,
                                     tablet_pk: uuid.UUID | None = None) -> None:
    """A deactivated officer's phones and tablets get no more pushes or area alerts (report numbers, places);
    with `tablet_pk`, only the push devices registered from that enrolled tablet (a lost or stolen one), and those
    whose tablet is not known (registered before it was recorded): one of them may be the stolen tablet, and the
    officer's working devices register again when their app next starts.
    The caller commits; signing in again after reactivation registers the device afresh. A device already silenced
    (FCM said its token is gone, an earlier revocation) keeps the reason it was silenced for."""
    query = update(Device).where(Device.officer_id == officer_id, Device.owner_type == "officer",  # type: ignore[arg-type]
                                 col(Device.active))
    if tablet_pk is not None:
        query = query.where(or_(col(Device.officer_device_pk) == tablet_pk, col(Device.officer_device_pk).is_(None)))
    await session.execute(
        query.values(active=False, pruned_reason=reason, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def _check_rate(ctx: Context, session: AsyncSession, officer_id: uuid.UUID) -> None:
    """At most ALERTS_PER_HOUR alerts per officer per clock hour (Almaty and UTC hours start together): a Redis
    counter, the alerts table when Redis is away. Both count the same hour, so Retry-After (the next hour) holds on
    either path."""
    now = utcnow()
    hour = now.replace(minute=0, second=0, microsecond=0)
    count: int | None = None
    if ctx.redis is not None:
        key = ctx.keys("alerts", officer_id, hour.strftime("%Y%m%d%H"))
        try:
            count = int(await ctx.redis.incr(key))
            if count == 1:
                await ctx.redis.expire(key, 3700)
        except UNAVAILABLE:
            count = None
    if count is None:
        # the officer's row lock serialises their alerts until this transaction commits: counted in parallel, a
        # burst would each see the same hour's count and all pass
        await lock_officer(session, officer_id)
        count = 1 + int(await session.scalar(select(func.count()).select_from(AreaAlert).where(
            AreaAlert.officer_id == officer_id, AreaAlert.created_at >= hour)) or 0)  # type: ignore[arg-type,operator]
    if count > ALERTS_PER_HOUR:
        retry = 3600 - now.minute * 60 - now.second
        raise ZanError("alert.rate_limited", 429, headers={"Retry-After": str(max(retry, 1))})


def _alert_push(alert: AreaAlert, lang: str, ttl_s: int) -> dict[str, Any]:
    texts = alert.texts
    return {"title": templates.alert_title(alert.category, lang), "body": texts.get(lang) or texts["ru"],
            "urgent": alert.category in URGENT_ALERTS, "collapse_id": f"alert-{alert.id}", "ttl_s": ttl_s,
            "expires_at": alert.expires_at.isoformat(),
            "data": {"type": "area_alert", "alert_id": str(alert.id), "category": alert.category,
                     "expires_at": alert.expires_at.isoformat()}}


async def create_alert(ctx: Context, session: AsyncSession, *, officer_id: uuid.UUID, unit_id: uuid.UUID | None,
                       data: AlertIn) -> tuple[AreaAlert, int]:
    """Record an area alert and its deliveries (officer tablets inside the area + district topics), in one
    transaction with the outbox task that sends them. Returns (alert, topic messages). The caller commits."""
    now = utcnow()
    expires_at = as_utc(data.expires_at)
    if not now < expires_at <= now + timedelta(days=7):
        raise ZanError("validation.failed", 422, errors=[FieldProblem("/expires_at", "out_of_range")])
    area = geo.parse_area(data.polygon, (data.centre.lat, data.centre.lon) if data.centre else None, data.radius_m)
    # an officer alerts their own region (the whole country, nationally), whose topics alone it reaches: an area
    # mostly outside its districts is another region's to alert, whose duty officers know whether the child is still
    # missing. Mostly, not "touches one": a sliver at home (a MultiPolygon's second part, a thin band) would carry
    # the alert anywhere
    within = await jurisdiction_of(session, officer_id)
    districts = [code for code in geo.districts_intersecting(area) if within.reads(code)]
    if not within.national and not geo.mostly_within(area, districts):
        pointer = "/polygon" if data.polygon is not None else "/centre"
        raise ZanError("validation.failed", 422, errors=[FieldProblem(pointer, "out_of_range")])
    await _check_rate(ctx, session, officer_id)
    texts = {"kk": data.texts.kk, "ru": data.texts.ru, **({"en": data.texts.en} if data.texts.en else {})}
    alert = AreaAlert(officer_id=officer_id, unit_id=unit_id, category=data.category, texts=texts,
                      area=geo.as_geojson(area), centre_lat=data.centre.lat if data.centre else None,
                      centre_lon=data.centre.lon if data.centre else None, radius_m=data.radius_m,
                      districts=districts, expires_at=expires_at)
    session.add(alert)
    await session.flush()
    key = f"alert:{alert.id}"
    ttl_s = int((expires_at - now).total_seconds())
    min_lon, min_lat, max_lon, max_lat = area.bounds
    candidates = await session.scalars(select(Device).where(
        col(Device.owner_type) == "officer", col(Device.active).is_(True),
        col(Device.area_updated_at) >= now - AREA_FRESH_FOR,
        col(Device.last_lat).between(min_lat, max_lat), col(Device.last_lon).between(min_lon, max_lon)))
    rows: list[dict[str, Any]] = []
    for device in candidates:
        if device.last_lat is not None and device.last_lon is not None and geo.contains(area, device.last_lat,
                                                                                         device.last_lon):
            rows.append({"dedupe_key": f"{key}:device:{device.id}", "event_key": key, "kind": "push",
                         "device_id": device.id, "payload": _alert_push(alert, device.language, ttl_s),
                         "max_attempts": PUSH_ATTEMPTS})
    alert.officer_devices = len(rows)
    topic_messages = 0
    for code in alert.districts:
        for lang in LANGS:
            condition = f"'district-{code}' in topics && 'lang-{lang}' in topics"
            rows.append({"dedupe_key": f"{key}:topic:{code}:{lang}", "event_key": key, "kind": "topic",
                         "payload": {**_alert_push(alert, lang, ttl_s), "condition": condition},
                         "max_attempts": RETRY_POLICIES["topic"].max_attempts})
            topic_messages += 1
    if rows:
        await insert_deliveries(session, rows)
        await enqueue(session, "notifications.deliver", {"event_key": key}, dedupe_key=f"deliver:{key}",
                      max_attempts=40)
    session.add(alert)
    return alert, topic_messages


async def stuck(session: AsyncSession, limit: int = 100) -> list[Delivery]:
    """Dead-lettered deliveries (gave up after their attempts), newest first."""
    return list(await session.scalars(select(Delivery).where(Delivery.status == "dead")  # type: ignore[arg-type]
                                      .order_by(Delivery.updated_at.desc()).limit(limit)))  # type: ignore[attr-defined]


async def retry_dead(session: AsyncSession, delivery_ids: list[uuid.UUID] | None = None) -> int:
    """Give dead deliveries a fresh set of attempts (after fixing the cause). The caller commits."""
    query = update(Delivery).where(Delivery.status == "dead")  # type: ignore[arg-type]
    if delivery_ids:
        query = query.where(col(Delivery.id).in_(delivery_ids))
    result = await session.execute(query.values(status="pending", attempts=0, next_attempt_at=utcnow())
                                   .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
