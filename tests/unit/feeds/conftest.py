from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"


@pytest.fixture
def feed_fixture():
    """Path of one of the project's own small feed files."""
    def get(name: str) -> Path:
        return FIXTURES / name
    return get
