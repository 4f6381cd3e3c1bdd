"""The citizen bot's legal-question counter has its own Redis namespace: an operator reading Redis, or a dashboard
counting login failures by the key pattern `*login-fail*`, sees failed logins and link codes only, never questions.
The keys are read back from the test's Redis database."""

from __future__ import annotations

import pytest

from backend.context import Context
from backend.officers import ratelimit
from bots.citizen import service as citizen_bot

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
CHAT = 525299


async def _keys(ctx: Context, pattern: str) -> list[str]:
    assert ctx.redis is not None
    found = [k async for k in ctx.redis.scan_iter(match=ctx.keys(pattern), count=500)]
    return sorted(k.decode() if isinstance(k, bytes) else str(k) for k in found)


async def test_each_kind_is_counted_under_its_own_namespace(ctx: Context) -> None:
    await ratelimit.reserve(ctx, badge="B-77", ip="10.1.2.3")  # a login attempt
    await ratelimit.reserve(ctx, link_chat="4242")  # a duty-bot link code
    assert await citizen_bot.legal_wait(ctx, CHAT) is None  # a citizen's legal question

    assert await _keys(ctx, "*") == [ctx.keys("login-fail", "badge", "b-77"), ctx.keys("login-fail", "ip", "10.1.2.3"),
                                     ctx.keys("login-fail", "link_chat", "4242"),
                                     ctx.keys("rate", "legal-chat", str(CHAT))]
    assert await _keys(ctx, "*login-fail*") == [ctx.keys("login-fail", "badge", "b-77"),
                                                ctx.keys("login-fail", "ip", "10.1.2.3"),
                                                ctx.keys("login-fail", "link_chat", "4242")]
    assert ctx.redis is not None
    assert 0 < await ctx.redis.ttl(ctx.keys("rate", "legal-chat", str(CHAT))) <= 10 * 60  # its own ten minutes


async def test_a_question_is_never_given_back_as_a_right_secret_would_be(ctx: Context) -> None:
    """Every question counts: `release` (a right password or link code) is for the failure counters only."""
    await citizen_bot.legal_wait(ctx, CHAT)
    with pytest.raises(ValueError, match="only failures"):
        await ratelimit.release(ctx, legal_chat=str(CHAT))
    assert ctx.redis is not None
    assert int(await ctx.redis.get(ctx.keys("rate", "legal-chat", str(CHAT))) or 0) == 1
