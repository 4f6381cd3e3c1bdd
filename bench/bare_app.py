"""The baseline: a bare Litestar endpoint that decodes the same report body and answers 201 (no auth, no DB)."""

from __future__ import annotations

import uuid

from litestar import Litestar, post
from litestar.params import JSONBody

from backend.reports.schemas import ReportCreate


@post("/api/v1/reports", status_code=201)
async def create(data: JSONBody[ReportCreate]) -> dict[str, str]:
    return {"id": str(uuid.uuid4()), "text": data.text[:10]}


app = Litestar([create])
