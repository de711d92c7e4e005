"""Response headers that protect browsers, and which other sites' pages may call the API.

flask-talisman puts `X-Content-Type-Options: nosniff`, `Referrer-Policy`, frame protection
(`X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`) and a Content-Security-Policy that
allows no inline script on every response (error responses included: it runs after them), and
HSTS in production (on HTTPS requests, as seen directly or through `X-Forwarded-Proto`).
flask-cors answers cross-origin requests only for the origins in CORS_ORIGINS (none by default),
without credentials: the API authenticates with a bearer token header, never a cookie."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask

REFERRER_POLICY = "no-referrer"
# what the browser may send cross-origin, and read back
CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID"]
CORS_EXPOSE_HEADERS = ["Retry-After", "Content-Disposition", "X-RateLimit-Limit", "X-RateLimit-Remaining",
                       "X-RateLimit-Reset"]


def content_security_policy(config) -> dict:
    """The pages and the API docs: scripts and styles from this origin only (Swagger UI is served
    by the app), unless OPENAPI_SWAGGER_UI_URL is set to another origin; no inline script anywhere
    (styles may be inline: Swagger UI sets some)."""
    cdn = urlsplit(config.get("OPENAPI_SWAGGER_UI_URL") or "")
    cdn_origin = f"{cdn.scheme}://{cdn.netloc}" if cdn.scheme and cdn.netloc else None
    with_cdn = ["'self'"] + ([cdn_origin] if cdn_origin else [])
    return {
        "default-src": "'none'",
        "script-src": with_cdn,
        "style-src": with_cdn + ["'unsafe-inline'"],
        "img-src": with_cdn + ["data:"],
        "font-src": with_cdn,
        "connect-src": "'self'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def cors_origins(config) -> list[str]:
    value = config.get("CORS_ORIGINS") or ()
    if isinstance(value, str):
        value = value.split(",")
    origins = [o.strip().rstrip("/") for o in value if o and o.strip()]
    if "*" in origins:
        raise RuntimeError("CORS_ORIGINS lists origins (https://portal.example.cn,...), never '*'")
    return origins


def init_security_headers(app: Flask) -> None:
    from flask_talisman import DENY, Talisman
    production = app.config.get("ENV_NAME") == "production"
    Talisman(app, force_https=False,   # TLS ends at the proxy in front; HSTS tells browsers to stay on it
             strict_transport_security=production, strict_transport_security_include_subdomains=False,
             frame_options=DENY, referrer_policy=REFERRER_POLICY,
             content_security_policy=content_security_policy(app.config),
             session_cookie_secure=production, x_content_type_options=True)
    origins = cors_origins(app.config)
    if origins:
        from flask_cors import CORS
        CORS(app, resources={r"/api/*": {"origins": origins}}, supports_credentials=False,
             allow_headers=CORS_ALLOW_HEADERS, expose_headers=CORS_EXPOSE_HEADERS, max_age=600)
