"""Pages for people (issue 17): Jinja2 templates over the same services as the API.

The pages keep a signed cookie session (SECRET_KEY) holding the user's bearer token, so the
API's authentication, expiry and revocation apply to them unchanged; every form carries a CSRF
token (Flask-WTF's CSRFProtect, checked for the pages' blueprints only: the API takes bearer
tokens, which a foreign site cannot make a browser send). Every asset is served by the app."""
from __future__ import annotations

from flask import Blueprint, Flask

from .blueprints import csrf


def swagger_ui_assets() -> Blueprint:
    """Swagger UI's files from the swagger-ui-bundle package at /api/docs/assets/ (no CDN)."""
    from swagger_ui_bundle import swagger_ui_path
    return Blueprint("swagger_ui_assets", __name__, static_folder=swagger_ui_path,
                     static_url_path="/api/docs/assets")


def init_web(app: Flask) -> None:
    from . import auctions, catalogue, console, contract_pages, session_auth, stats_pages
    from . import organisation_pages, signup_pages   # joining the platform
    from . import deals, demands, listings, publicity, registrations, review   # members' and operators' pages
    from .format import register_filters
    csrf.init_app(app)
    app.register_blueprint(swagger_ui_assets())
    for blueprint in (catalogue.bp, auctions.bp, session_auth.bp, console.bp, contract_pages.bp, stats_pages.bp,
                      signup_pages.bp, organisation_pages.bp):
        app.register_blueprint(blueprint)
    for blueprint in (demands.bp, listings.bp, review.bp, deals.bp, publicity.bp, registrations.bp):
        app.register_blueprint(blueprint)
    register_filters(app)
