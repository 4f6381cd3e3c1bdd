"""Throttling by counters in fixed windows: Redis counters when Redis is there, a process-local window when it is not.

Two uses share the counting, each under its own key namespace (`COUNTERS`):

- failures of a guessed secret ("login-fail" keys): per badge (protects the account) and per IP (protects all
  accounts from one source) at login, and per Telegram chat for the duty bot's one-time link codes (eight digits
  would otherwise fall to a patient script). Every attempt is counted and a right secret gives it back (`release`),
  so only failures count: an officer who logs in correctly on several tablets is never throttled; a guesser is. An
  attempt refused unchecked is counted against the counters that refused it only (`reserve`).
- every use of a metered resource ("rate:*" keys): the citizen bot's legal questions per chat, its own window and
  limit (bots.citizen.legal_flow.legal_question). Only a question the service could not answer is given back
  (`unserved`).

Separate namespaces because an operator reading Redis, or a dashboard counting login failures by the key pattern
`*login-fail*`, must not see legal questions as failed logins.
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
import time
from dataclasses import dataclass
from typing import Literal

from backend.context import Context
from backend.lib.redis import UNAVAILABLE

WINDOW_S = 15 * 60
LIMITS = {"badge": 5, "ip": 30, "link_chat": 5}


@dataclass(frozen=True)
class Counter:
    """One kind of subject: what it counts, the key parts before the subject, and its window (none is longer than
    WINDOW_S, so a sweep after WINDOW_S drops only expired windows)."""

    counts: Literal["failures", "uses"]
    key: tuple[str, ...]
    window_s: int = WINDOW_S


COUNTERS: dict[str, Counter] = {
    "badge": Counter("failures", ("login-fail", "badge")),
    "ip": Counter("failures", ("login-fail", "ip")),
    "link_chat": Counter("failures", ("login-fail", "link_chat")),
    # until 2026-12 these counters were kept as "login-fail:legal_chat:<chat>": the deploy that moved them starts
    # every chat's legal window afresh once (the old keys expire within ten minutes), which is harmless
    "legal_chat": Counter("uses", ("rate", "legal-chat"), window_s=10 * 60),
}
# the process-local windows are swept of expired ones when they pass this many: every refused guess with a new badge
# adds one, so without a sweep a script guessing random badges grows the process's memory for as long as it runs
SWEEP_AT = 10_000


def _limit(ctx: Context, kind: str) -> int:
    if kind == "legal_chat":
        return ctx.settings.citizen_bot_legal_per_10min
    # tablets behind one carrier NAT or APN share an address: the operator raises the per-IP limit there
    # (ZAN_LOGIN_FAILURES_PER_IP) rather than let thirty typos across a city's fleet lock every officer out
    return ctx.settings.login_failures_per_ip if kind == "ip" else LIMITS[kind]


@dataclass
class _Window:
    started: float
    count: int


def _memory(ctx: Context) -> dict[str, _Window]:
    store: dict[str, _Window] = ctx.extras.setdefault("officer_login_failures", {})
    return store


def source(ip: str) -> str:
    """The source an address's failures are counted under. An IPv6 client is given a whole /64 by its provider and
    may send from any address in it (privacy extensions pick a new one at will): counted per address, a guesser
    walking the roster would get ZAN_LOGIN_FAILURES_PER_IP tries from each of 2^64 addresses, so the /64 is the
    source. An IPv4 client reaching a dual-stack socket shows as ::ffff:a.b.c.d: the same source as a.b.c.d."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip  # not an address ("unknown" without a client): counted as it is
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return f"{ipaddress.IPv6Address(int(address) >> 64 << 64)}/64"  # (a zone id, on link-local, is dropped)
    return str(address)


def _keys(ctx: Context, subjects: dict[str, str]) -> dict[str, str]:
    """One counter per kind of subject (a kind of COUNTERS) and subject."""
    return {kind: ctx.keys(*COUNTERS[kind].key, (source(subject) if kind == "ip" else subject).lower())
            for kind, subject in subjects.items()}


# Counting is all or nothing, in one step: when a counter of the attempt's subjects has no try left, the attempt is
# refused unchecked and counted against that counter only (KEYS: the counters; ARGV: each one's limit and window)
_RESERVE = """
local refusing = {}
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[2 * i - 1]) then refusing[#refusing + 1] = i end
end
local counted = refusing
if #refusing == 0 then
  counted = {}
  for i = 1, #KEYS do counted[i] = i end
end
local worst = 0
for _, i in ipairs(counted) do
  redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[2 * i], 'NX')
  local ttl = redis.call('TTL', KEYS[i])
  if ttl <= 0 then ttl = tonumber(ARGV[2 * i]) end
  worst = math.max(worst, ttl)
end
if #refusing == 0 then return -1 end
return worst
"""


async def reserve(ctx: Context, **subjects: str) -> int | None:
    """Count this attempt *before* its secret is checked: the seconds to wait if a counter of these subjects is
    now over its limit (the attempt is refused unchecked), else None. Counting a failure only after the check let a
    burst of parallel guesses through whole, each having seen the count before the others. A right secret gives
    the attempt back (`release`), so only failures count.

    A refused attempt is counted against the counters that refused it only: its secret was never checked, so it is
    no failure of the other subjects it names. Counted against them, an address past its limit still spent the tries
    of every badge it sent (a single address locked out the whole roster, five requests a badge), and an officer
    retrying the right password on a badge someone else had locked spent the tries of the station's shared
    address, locking out every colleague behind it."""
    keys = _keys(ctx, subjects)
    if ctx.redis is not None:
        try:
            args: list[int] = []
            for kind in keys:
                args += [_limit(ctx, kind), COUNTERS[kind].window_s]
            worst = int(await ctx.redis.eval(_RESERVE, len(keys), *keys.values(), *args))  # type: ignore[misc]
            return None if worst < 0 else worst
        except UNAVAILABLE:
            pass
    # one process's counters, read and bumped with no await in between: parallel attempts cannot interleave
    now = time.monotonic()
    memory = _memory(ctx)
    if len(memory) >= SWEEP_AT:
        for stale in [key for key, window in memory.items() if now - window.started >= WINDOW_S]:
            del memory[stale]
    live: dict[str, _Window | None] = {}
    for kind, key in keys.items():
        window = memory.get(key)
        live[kind] = window if window is not None and now - window.started < COUNTERS[kind].window_s else None
    refusing = [kind for kind, window in live.items() if (window.count if window else 0) >= _limit(ctx, kind)]
    worst_mem: int | None = None
    for kind in refusing or list(keys):
        length = COUNTERS[kind].window_s
        window = live[kind]
        if window is None:
            window = memory[keys[kind]] = _Window(now, 0)
        window.count += 1
        if kind in refusing:
            worst_mem = max(worst_mem or 0, math.ceil(length - (now - window.started)))
    return worst_mem


# a counter that expired meanwhile is not brought back as -1 (with no expiry)
_GIVE_BACK = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0"


async def release(ctx: Context, **subjects: str) -> None:
    """Give back an attempt `reserve` counted: its secret was right (kinds that count failures only)."""
    if any(COUNTERS[kind].counts != "failures" for kind in subjects):
        raise ValueError(f"only failures are given back, not uses: {sorted(subjects)}")
    await _give_back(ctx, _keys(ctx, subjects))


async def unserved(ctx: Context, **subjects: str) -> None:
    """Give back a use `reserve` counted that the metered service never delivered (it was down or full): a use
    served is never given back (kinds that count uses only)."""
    if any(COUNTERS[kind].counts != "uses" for kind in subjects):
        raise ValueError(f"only uses are given back as unserved, not failures: {sorted(subjects)}")
    await _give_back(ctx, _keys(ctx, subjects))


async def _give_back(ctx: Context, keys: dict[str, str]) -> None:
    if ctx.redis is not None:
        with contextlib.suppress(*UNAVAILABLE):
            for key in keys.values():
                await ctx.redis.eval(_GIVE_BACK, 1, key)  # type: ignore[misc]
            return
    for key in keys.values():
        window = _memory(ctx).get(key)
        if window is not None and window.count > 0:
            window.count -= 1


async def clear_badge(ctx: Context, *, badge: str) -> None:
    key = _keys(ctx, {"badge": badge})["badge"]
    _memory(ctx).pop(key, None)
    if ctx.redis is not None:
        with contextlib.suppress(UNAVAILABLE):  # type: ignore[arg-type]
            await ctx.redis.delete(key)
