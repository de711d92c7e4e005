"""Signing in to the pages in tests: the login form with its CSRF token, then the CSRF token any
later form of the session carries."""
from __future__ import annotations

import re

PASSWORD = "correct-horse-42"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def sign_in(client, who: str) -> str:
    """Signs `who` in to the pages; the CSRF token for its forms."""
    token = csrf_of(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "email": f"{who}@example.cn", "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return csrf_of(client.get("/").get_data(as_text=True))


def text_of(response) -> str:
    """The page's words, without tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
