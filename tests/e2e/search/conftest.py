import pytest


@pytest.fixture
def app_config(tmp_path):
    """The search e2e tests run on the real Whoosh adapter."""
    return {"SEARCH_BACKEND": "whoosh", "SEARCH_INDEX_DIR": str(tmp_path / "search_index")}
