"""Steps of joining the platform over HTTP, shared by the sign-up tests: each reads the link the
test's SMTP server received, as the person would."""
from __future__ import annotations

import random
import re

from market.domain.codes import credit_code_check_char

PASSWORD = "long-enough-pass"
LINK = re.compile(r"https?://\S+\?token=([A-Za-z0-9_\-%]+)")


def credit_code(seed: int) -> str:
    rng = random.Random(seed)
    body = "91" + "".join(rng.choice("0123456789") for _ in range(6)) + "".join(
        rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + credit_code_check_char(body)


def token_in(mail) -> str:
    found = LINK.search(mail.text)
    assert found, mail.text
    return found.group(1)


def mails_to(smtp_server, address: str, count: int = 1):
    """Wait until `count` mails reached `address`; the last of them."""
    for n in range(1, 200):
        mine = [m for m in smtp_server.wait_for(n) if address in m.envelope_to]
        if len(mine) >= count:
            return mine[count - 1]
    raise AssertionError(f"no mail #{count} to {address}")


def sign_up_and_confirm(client, smtp_server, email: str, name: str = "张三") -> dict:
    """Sign up, follow the mailed link, log in: the bearer headers of the new registrant."""
    response = client.post("/api/v1/accounts/signup", json={"email": email, "display_name": name,
                                                             "password": PASSWORD, "phone": "13800138000"})
    assert response.status_code == 202, response.get_json()
    token = token_in(mails_to(smtp_server, email))
    confirmed = client.post("/api/v1/accounts/confirm", json={"token": token})
    assert confirmed.status_code == 200, confirmed.get_json()
    login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 201, login.get_json()
    return {"Authorization": f"Bearer {login.get_json()['token']}"}


def organisation_body(name: str, kind: str, seed: int, province="上海", city="上海", market="SH") -> dict:
    return {"name": name, "kind": kind, "credit_code": credit_code(seed), "province": province,
            "city": city, "market_code": market}
