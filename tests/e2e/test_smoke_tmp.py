def test_cast_logs_in(cast, client):
    r = client.get("/api/v1/auth/me", headers=cast["op_sh"])
    assert r.status_code == 200 and r.get_json()["market_code"] == "SH"
