"""Prometheus instruments and a tiny ASGI middleware that times every request by route."""

from __future__ import annotations

import time
from typing import Any

from litestar.types import ASGIApp, Receive, Scope, Send
from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter("zan_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("zan_http_request_seconds", "HTTP request latency", ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
REPORTS_REGISTERED = Counter("zan_reports_registered_total", "Reports registered", ["channel"])
JOBS = Counter("zan_jobs_total", "Outbox task attempts", ["task", "outcome"])
# what became of each delivery attempt (push, topic, webhook): sent, pending (retried), dead, dropped (old news, a
# device gone) or expired (its life ran out unsent: an FCM outage longer than an urgent push's life shows here). A
# delivery whose lease ran out mid-send and was taken up by another worker may be counted by both: a rate, not a ledger
DELIVERIES = Counter("zan_deliveries_total", "Delivery attempts settled", ["kind", "status"])
# which partner app is being held to its rate (ZAN_PARTNER_RATE_LIMIT): a runaway client shows here first
PARTNER_THROTTLED = Counter("zan_partner_throttled_total", "Signed requests refused with 429", ["partner"])
# the holiday calendar's last year with movable holidays and transferred days off (ZAN_HOLIDAYS_FILE's by_year):
# alert on `zan_holiday_calendar_last_year < year() + 1`, before legal terms start to be counted without them
HOLIDAY_CALENDAR_LAST_YEAR = Gauge("zan_holiday_calendar_last_year",
                                   "Last year the holiday calendar has movable holidays for (0: none)")


def metrics_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status_holder: dict[str, Any] = {"status": 500}

        async def send_wrapper(message: Any) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
            await send(message)

        try:
            await app(scope, receive, send_wrapper)
        finally:
            handler = scope.get("route_handler")
            route = getattr(handler, "paths", None)
            route_name = sorted(route)[0] if route else "unmatched"
            method = scope.get("method", "")
            REQUESTS.labels(method, route_name, str(status_holder["status"])).inc()
            LATENCY.labels(method, route_name).observe(time.perf_counter() - started)

    return middleware
