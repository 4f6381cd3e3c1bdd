"""ASGI entry point for uvicorn: settings from the environment."""

import gc

from backend.app import create_app

app = create_app()

# What is imported by now (~320k objects: frameworks, models, taxonomy, lexicons) lives as long as the process. A full
# collection walked all of it, ~200 ms on the 2-core machine, with every request in flight waiting; frozen, it is
# never walked again. Here and not in create_app: tests build many apps in one process and would freeze garbage.
gc.collect()
gc.freeze()
