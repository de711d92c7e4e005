import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))   # works in every pytest import mode
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # achievement_payloads


@pytest.fixture
def sweep(app, services, clock):
    """Run the scheduler's own sweep job at the frozen clock's time (what the scheduler process runs)."""
    from market import scheduler
    scheduler.set_runtime(scheduler.Runtime(uow_factory=services.uow_factory, clock=clock))
    yield scheduler.sweep_job
    scheduler.set_runtime(None)


@pytest.fixture
def app_config(tmp_path):
    """Deals span weeks of the frozen clock: tokens must outlive the publicity period."""
    return {"SEARCH_INDEX_DIR": str(tmp_path / "search_index"), "TOKEN_TTL_HOURS": 24 * 60}
