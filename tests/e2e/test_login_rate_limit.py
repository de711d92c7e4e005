"""Login attempts are rate-limited per client address."""
import pytest

from market.services.accounts import create_user


@pytest.fixture
def app_config(tmp_path):
    return {"SEARCH_INDEX_DIR": str(tmp_path / "idx"), "LOGIN_RATE_LIMIT": "3 per minute"}


def test_login_attempts_are_rate_limited(client, services):
    create_user(services.uow_factory(), services.hasher, email="x@example.cn", password="long-enough-pass-1",
                display_name="x", role="admin", now=services.clock.now())
    codes = [client.post("/api/v1/auth/login", json={"email": "x@example.cn", "password": "guess-guess"}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    response = client.post("/api/v1/auth/login", json={"email": "x@example.cn", "password": "long-enough-pass-1"})
    assert response.status_code == 429 and response.get_json()["code"] == 429
