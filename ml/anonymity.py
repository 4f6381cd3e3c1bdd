"""Whether the law considers an anonymous appeal: "Anonymous appeals are not considered, except information about
prepared or committed crimes or threats to public security" (Administrative Procedural-Process Code, the norm on
anonymous appeals).

A category's `anonymous_allowed` (ml/data/taxonomy.json) says what its typical report is; a report of a category that
is typically no crime may still tell one: an officer who took a bribe or beat a detainee is a "complaint about a
police officer", a driver who hit a child and fled may be read as a "traffic violation". Such a report is considered
anonymously when its text tells a crime (`ml.crime_cues.cues_in`). One rule for intake, the routing job and staff
reclassifications (backend.routing), so none of them refuses what another admitted.
"""

from __future__ import annotations

from ml.crime_cues import cues_in
from ml.taxonomy import Taxonomy, load_taxonomy


def anonymous_considered(category: str | None, text: str, taxonomy: Taxonomy | None = None) -> bool:
    """Whether an anonymous appeal of `category` (None or unknown: not known yet, a human decides) saying `text` is
    considered: its category allows anonymity, or its text tells a crime. `taxonomy`: the bundled one by default."""
    taxonomy = taxonomy or load_taxonomy()
    if category is None or not taxonomy.has_category(category) or taxonomy.category(category).anonymous_allowed:
        return True
    return bool(cues_in(text))
