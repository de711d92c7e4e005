"""The e2e contract tests' clock: after the end of 2025, so the whole year's contracts are signed in the past."""
from datetime import datetime, timezone

NOW = datetime(2026, 1, 15, 2, 0, tzinfo=timezone.utc)
