"""Steps of the members' and operators' page tests: a browser-like client per person (its own
cookie session, signed in through the login form) that sends each form with its CSRF token."""
from __future__ import annotations

import re

from tests.conftest import Cast

_LOGIN_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def words(response) -> str:
    """The page's text without tags (what a person reads)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


class PageUser:
    """One person's browser: signed in by the login form, posting forms with their CSRF token."""

    def __init__(self, app, who: str | None):
        self.client = app.test_client()
        self.token = None
        if who is not None:
            page = self.client.get("/login").get_data(as_text=True)
            signed = self.client.post("/login", data={"csrf_token": _LOGIN_TOKEN.search(page).group(1),
                                                      "email": f"{who}@example.cn", "password": Cast.PASSWORD})
            assert signed.status_code == 302, signed.get_data(as_text=True)

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, *, follow: bool = False, csrf: bool = True):
        if csrf and self.token is None:
            self.token = _FORM_TOKEN.search(self.client.get("/").get_data(as_text=True)).group(1)
        body = dict(data or {})
        if csrf:
            body["csrf_token"] = self.token
        return self.client.post(path, data=body, follow_redirects=follow)


def new_id(response, kind: str) -> int:
    """The id in the Location of the redirect after creating a listing."""
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(rf"/my/{kind}/(\d+)", response.headers["Location"]).group(1))
