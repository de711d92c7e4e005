"""How long a log-in takes for a known e-mail with a wrong password and for an unknown e-mail,
with the production argon2 parameters: the two should match (a dummy hash is verified for an
unknown e-mail), so timing does not tell who has an account. Prints medians and p90s.

    .venv/bin/python bench/login_timing.py --rounds 40
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    from market import create_app
    from market.adapters.passwords import Argon2PasswordHasher
    from market.services.accounts import NO_THROTTLE, create_user
    from market_testing import create_sqlite_database

    with tempfile.TemporaryDirectory() as tmp:
        url = create_sqlite_database(Path(tmp) / "login.sqlite")
        app = create_app("testing", DATABASE_URL=url, LOGIN_RATE_LIMIT="100000 per minute",
                         ACCOUNT_THROTTLE=NO_THROTTLE)   # the hash is measured, not the lock-out
        s = app.extensions["market"]
        s.hasher = Argon2PasswordHasher(fast=False)          # production parameters
        create_user(s.uow_factory(), s.hasher, email="known@example.cn", password="tide-lantern-quartz-7",
                    display_name="k", role="admin", now=s.clock.now())
        client = app.test_client()
        timings = {"known e-mail, wrong password": [], "unknown e-mail": []}
        for i in range(args.rounds):
            for label, email in (("known e-mail, wrong password", "known@example.cn"),
                                 ("unknown e-mail", f"nobody{i}@example.cn")):
                started = time.perf_counter()
                status = client.post("/api/v1/auth/login", json={"email": email, "password": "wrong-password-123"}).status_code
                timings[label].append((time.perf_counter() - started) * 1000)
                assert status == 401, status
        print(f"load average {os.getloadavg()[0]:.2f}; {args.rounds} rounds each")
        for label, values in timings.items():
            values.sort()
            print(f"{label:32} median {statistics.median(values):7.1f} ms   p90 {values[int(len(values) * 0.9)]:7.1f} ms")


if __name__ == "__main__":
    main()
