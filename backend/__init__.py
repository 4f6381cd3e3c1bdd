"""Zan backend: Litestar API, domain services, background jobs."""
