"""Backend side of routing: cheap assessment at intake, and access to the ML router and district index.

At intake only what costs microseconds runs (language, urgency lexicon, district polygon); the classifier and
duplicate search run in the background job, so intake never waits on a model.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from backend.lib.errors import ZanError
from backend.lib.gates import enter, process_gate
from ml.anonymity import anonymous_considered
from ml.crime_cues import cues_in
from ml.lang import decided_language, detect_language
from ml.routing_rules import RuleSet, load_rules
from ml.taxonomy import PRIORITIES, load_taxonomy
from ml.urgency import detect_urgency

if TYPE_CHECKING:
    from backend.context import Context

log = logging.getLogger("zan.routing")


@dataclass
class IntakeAssessment:
    language: str
    in_kazakhstan: bool
    district: str | None
    urgent: bool
    urgency_reasons: list[str] = field(default_factory=list)
    advise: list[str] = field(default_factory=list)
    priority: str = "normal"
    restricted: bool = False
    anonymous_allowed: bool = True


def higher_priority(a: str, b: str) -> str:
    """The more pressing of two priorities (an unknown value counts as "normal"). Routing and staff corrections
    only ever raise a report's priority: whoever saw a reason to rank it higher may have been right."""
    return max(a, b, key=lambda p: PRIORITIES.index(p) if p in PRIORITIES else 1)


def routing_rules(ctx: Context) -> RuleSet:
    """The routing rules this process runs: ZAN_ROUTING_RULES_FILE, else the bundled file (parsed once per file)."""
    return load_rules(ctx.settings.routing_rules_file)


def rule_priority(ctx: Context, category: str | None, district: str | None, *, urgent: bool) -> str:
    """The priority the routing job gives a report of `category` (None or unknown: none yet) made now in `district`,
    by the same rule as the model's decisions and staff corrections (RuleMatch.decided_priority)."""
    taxonomy = load_taxonomy()
    known = taxonomy.category(category) if category and taxonomy.has_category(category) else None
    match = routing_rules(ctx).decide(known.code if known else None, district)
    return match.decided_priority(known.default_priority if known else None, urgent=urgent)


def district_index(ctx: Context) -> Any:
    """The district polygons, loaded once per process (the app loads them at startup, as it does the rules)."""
    index = ctx.extras.get("district_index")
    if index is None:
        from ml.geo import load_district_index

        index = load_district_index()
        # intake ranks every report by its rule (rule_priority), and the rules are checked against these districts:
        # loading them together makes a rules file that cannot be used (a typo, no catch-all) stop startup with
        # RulesFileError naming the file, not fail each report or routing job after it
        routing_rules(ctx)
        ctx.extras["district_index"] = index
    return index


PREVIEW_WAIT_S = 0.25


@asynccontextmanager
async def preview_slot(ctx: Context) -> AsyncIterator[None]:
    """Admission for routing previews. Apps call them while the citizen types, and each is a model pass (tens of ms
    of CPU): unbounded, a burst of them would take the cores that registrations need. A preview that cannot start
    within PREVIEW_WAIT_S gets 503 with Retry-After; a suggestion is worth less than a registration."""
    gate = process_gate(ctx, "preview_gate", ctx.settings.preview_concurrency)
    if not await enter(gate, PREVIEW_WAIT_S):
        raise ZanError("routing.busy", 503, headers={"Retry-After": "1"})
    try:
        yield
    finally:
        gate.release()


def router(ctx: Context) -> Any:
    """The ML router, loaded once per process. When its model cannot be loaded, for whatever reason (missing, or
    made for another taxonomy), a router without a model that abstains: reports go to triage and the routing job
    keeps retrying, reloading, until a model works. None only if not even that can be built."""
    if "router" not in ctx.extras:
        from ml.router import Router

        try:
            ctx.extras["router"] = Router.load(model_dir=ctx.settings.router_model_dir,
                                               embedder=ctx.settings.embedder, rules=routing_rules(ctx))
        except Exception as exc:
            log.exception("router model unavailable; reports will be routed to triage")
            try:
                ctx.extras["router"] = Router(None, embedder=ctx.settings.embedder, rules=routing_rules(ctx),
                                              model_error=f"{type(exc).__name__}: {exc}")
            except Exception:
                log.exception("no router at all (districts, rules or taxonomy do not load)")
                ctx.extras["router"] = None
    return ctx.extras["router"]


def asked_language(text: str, asked: str | None) -> str | None:
    """`asked` (the language the citizen's app or chat asked for) when the words of `text` do not decide one (no
    letters, an abbreviation, a brand, a single word: ml.lang.decided_language), else None: the text's own language
    is detected. What intake registers a report in (backend.reports.intake.declared_language) and the preview tells."""
    return asked if asked is not None and decided_language(text) is None else None


def assess_intake(ctx: Context, text: str, lat: float, lon: float, category_hint: str | None,
                  declared_language: str | None, *, anonymous: bool = False) -> IntakeAssessment:
    language = declared_language or detect_language(text)
    index = district_index(ctx)
    # a point inside a district is inside the country; one within the widened border but outside every polygon
    # (GPS error, simplified borders) gets the nearest district, as the router gives it
    district = index.locate_accepted(lat, lon) if -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0 else None
    in_kz = district is not None
    taxonomy = load_taxonomy()
    category = taxonomy.category(category_hint) if category_hint and taxonomy.has_category(category_hint) else None
    urgency = detect_urgency(text, language, category.code if category else None)
    code = getattr(district, "code", None) if district is not None else None
    # as the routing job ranks the citizen's own pick: a rule ranking a category higher in a district or at night
    # holds from registration, not only from the model's pass
    priority = rule_priority(ctx, category.code if category else None, code, urgent=urgency.urgent)
    # only an anonymous report needs its category judged at intake (the classifier costs an embedding). The hint
    # is the client's word: it can refuse anonymity but not grant it, or a "theft" hint would carry any complaint.
    # Either is overruled by a text that tells a crime (ml.anonymity), as routing and staff corrections overrule it
    if not anonymous:
        anonymous_allowed = True
    else:
        # a text that tells a crime is considered whatever its category: the classifier's embedding is not spent
        anonymous_allowed = bool(cues_in(text)) or (anonymous_considered(category.code if category else None, text)
                                                     and _anonymous_allowed_by_model(ctx, text))
    return IntakeAssessment(
        language=language,
        in_kazakhstan=in_kz,
        district=code,
        urgent=urgency.urgent,
        urgency_reasons=list(urgency.reasons),
        advise=list(urgency.advise),
        priority=str(priority),
        restricted=bool(category.restricted) if category else False,
        anonymous_allowed=anonymous_allowed or urgency.urgent,
    )


def _anonymous_allowed_by_model(ctx: Context, text: str) -> bool:
    """Ask the classifier and the law's rule (ml.anonymity) on its category; when it is unsure or absent, accept (a
    human decides later)."""
    model = router(ctx) if ctx.settings.enable_routing else None
    if model is None:
        return True
    try:
        prediction = model.classify(text)
    except Exception:
        log.exception("classifier failed during intake")
        return True
    if prediction is None or prediction.abstain:
        return True
    return anonymous_considered(prediction.label, text)
