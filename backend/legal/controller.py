"""POST /api/v1/legal/ask — legal help for partner apps' in-app chats.

Partner-signed only (same HMAC scheme as reports): the answer costs CPU (an embedding per question), so an
anonymous endpoint would be a free denial-of-service lever; partners throttle their own users, and the bots call
`backend.legal.service` directly.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, post
from litestar.params import JSONBody

from backend.deps import CtxDep
from backend.legal import service
from backend.legal.schemas import CitationOut, LegalAnswerOut, LegalQuestion
from backend.lib.errors import FieldProblem, ZanError
from backend.lib.i18n import negotiate
from backend.partners.auth import PrincipalDep, partner_guard
from ml.lang import decided_language
from ml.legal.question import normalize_question


class LegalController(Controller):
    path = "/api/v1/legal"
    tags = ["legal"]
    guards = [partner_guard]

    @post("/ask", status_code=200, summary="Ask a legal question",
          security=[{"partnerSignature": []}])
    async def ask(self, ctx: CtxDep, principal: PrincipalDep, request: Request[Any, Any, Any],
                  data: JSONBody[LegalQuestion]) -> LegalAnswerOut:
        """A short answer in the question's language (or `language`), with citations quoted from the codes of
        Kazakhstan. `urgent` answers lead with the emergency numbers; `suggested_action` is the next step to offer
        (report, call_102, call_112, legal_aid, complain_officer, info). `context`, the chat's previous questions,
        lets a follow-up ("а если ему 15 лет?") be answered on their topic; `follow_up` says whether it was."""
        del principal  # authenticated by the guard; the answer does not depend on who asks
        if not normalize_question(data.question):
            # spaces, line breaks or invisible characters only: as empty as "", so the same 422 in the requester's
            # language, not a 200 "no provision found" in Russian
            raise ZanError("validation.failed", 422, errors=[FieldProblem("/question", "too_short")])
        language = data.language
        if language is None and decided_language(data.question) is None:
            # the question does not tell its language (emoji, "???", one word the same in Russian and Kazakh): the
            # app's Accept-Language is then the best guess; a Kazakh app got a Russian "not found". A question that
            # does tell one is answered in it, whatever the phone's interface language
            language = negotiate(request.headers.get("accept-language"), None)
        answer = await service.ask(ctx, question=data.question, language=language, context=data.context)
        return LegalAnswerOut(
            answer=answer.answer,
            language=answer.language,
            citations=[msgspec.convert(c.to_dict(), CitationOut) for c in answer.citations],
            confidence=answer.confidence,
            suggested_action=answer.suggested_action,
            urgent=answer.urgent,
            follow_up=answer.follow_up,
        )
