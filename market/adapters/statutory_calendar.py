"""Re-export: the statutory calendar is plain data from a package, so it lives in the domain."""
from market.domain.statutory_calendar import StatutoryCalendar  # noqa: F401
