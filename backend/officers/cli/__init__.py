"""`zan officers ...` and `zan units ...`: officer accounts and patrol units, created from the console.

These and the admin API (backend.officers.admin_controller) are the only ways to create them in production (`zan
seed` plants demo data in embedded mode only), so every value is checked, by rules both share
(backend.officers.rules, worded for the console by backend.officers.cli.checks): a department must be a police
department of the taxonomy and a district a district of ml.geo (or the unit would never be offered a report, the
officer never see one), and a duplicate is a one-line error, not a traceback.

An officer's district also sets what the console shows them (backend.dispatch.regions): dispatchers, supervisors,
prosecutors and admins read their district's region. One with no district and no unit (the national 102 centre, the
General Prosecutor's Office) reads the whole country, so that is asked for by name (`--national`), never the fallout
of a district left out or empty; field officers always need a district.

The groups are mounted by backend.cli as `backend.officers.cli:officers` and `backend.officers.cli:units`.
"""

from backend.officers.cli.checks import (
    MIN_PASSWORD_CHARS,
    check_department,
    check_district,
    district_codes,
    officer_district,
    police_departments,
    scope_of,
)
from backend.officers.cli.officers import officers
from backend.officers.cli.units import units

__all__ = ["MIN_PASSWORD_CHARS", "check_department", "check_district", "district_codes", "officer_district", "officers",
           "police_departments", "scope_of", "units"]
