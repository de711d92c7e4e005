"""Reading a user's inbox and the mails the test SMTP server received."""
from __future__ import annotations


def inbox(client, cast, who, **query) -> list[dict]:
    r = client.get("/api/v1/notifications", headers=cast[who], query_string={"per_page": 100, **query})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def kinds(client, cast, who) -> list[str]:
    return [n["kind"] for n in inbox(client, cast, who)]


def one(client, cast, who, kind) -> dict:
    found = [n for n in inbox(client, cast, who) if n["kind"] == kind]
    assert len(found) == 1, (who, kind, kinds(client, cast, who))
    return found[0]


def mails_to(smtp_server, who, subject_part="") -> list:
    address = f"{who}@example.cn"
    return [m for m in smtp_server.received if address in m.envelope_to and subject_part in m.subject]


def watch(client, cast, who, target_type, target_id):
    r = client.post("/api/v1/watches", headers=cast[who], json={"target_type": target_type, "target_id": target_id})
    assert r.status_code == 201, r.get_json()
