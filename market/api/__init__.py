"""The REST API: flask-smorest blueprints, one per resource."""
import re

from flask import request
from flask_smorest import Api
from werkzeug.routing import IntegerConverter

from market.domain.errors import NotFound, ValidationFailed

from . import achievements, auth, demands, health, organisations
from .body_guard import refuse_deep_json
from .errors import register_error_handlers
from .schemas import MAX_ID

BLUEPRINTS = [auth.blp, organisations.blp, achievements.blp, demands.blp]


def _feature_blueprints() -> list:
    """Feature blueprints (imports, search, auctions, payments, contracts, stats)."""
    found = []
    from . import contracts, stats; found += [contracts.blp, stats.blp]  # noqa: E702
    from . import imports; found.append(imports.blp)  # noqa: E702
    from . import payments; found.append(payments.blp)  # noqa: E702
    from . import auctions, live; found += auctions.BLUEPRINTS  # noqa: E702,F401 - live adds the streams
    from . import search; found += [search.blp, search.matches_blp]  # noqa: E702
    from . import deals; found += deals.BLUEPRINTS  # noqa: E702
    from . import audit; found.append(audit.blp)  # noqa: E702
    from . import notifications; found += notifications.BLUEPRINTS  # noqa: E702
    from . import federation; found += [federation.changes_blp, federation.blp]  # noqa: E702
    from . import memberships, signup; found += [signup.blp, memberships.blp]  # noqa: E702
    return found


class IdConverter(IntegerConverter):
    """`<int:...>` in a route: a number beyond any id (MAX_ID) names nothing (404), rather than
    reaching the database, which cannot bind it (SQLite: OverflowError; PostgreSQL: integer out
    of range), a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")   # JSON escapes of NUL or a surrogate


def _unstorable(text: str) -> bool:
    """NUL, or a lone surrogate (not UTF-8 at all): no database takes either as text."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _unstorable_field(value, path: str) -> str | None:
    """The first field (dotted path) of parsed JSON whose text (or key) is unstorable."""
    if isinstance(value, str):
        return (path or "json") if _unstorable(value) else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return None
    for key, item in items:
        here = f"{path}.{key}" if path else key
        if _unstorable(key):
            return path or "json"
        found = _unstorable_field(item, here)
        if found:
            return found
    return None


def _first_nul_pair(pairs) -> str | None:
    """The first name of (name, text) pairs (query, form) where either holds NUL."""
    for name, text in pairs:
        if "\x00" in (name or "") or (isinstance(text, str) and "\x00" in text):
            return name or "form"
    return None


def reject_unstorable_text():
    """No text we store or query may hold NUL (U+0000) or a lone surrogate: PostgreSQL refuses NUL,
    neither database driver can encode a surrogate; either was a 500 deep in the request. Refuse
    them up front, naming the field (422). JSON carries them only as escapes, so a body without
    such an escape is not parsed here; the bid route takes numbers only and is skipped."""
    if request.endpoint == "lots.LotBids":
        return None
    if any(isinstance(v, str) and _unstorable(v) for v in (request.view_args or {}).values()):
        raise NotFound()   # a path segment with NUL in it names nothing
    field = _first_nul_pair(request.args.items(multi=True))
    if field is None and request.is_json and _SUSPECT_ESCAPE.search(request.get_data(cache=True)):
        field = _unstorable_field(request.get_json(silent=True), "")
    if field is None and request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        field = _first_nul_pair(request.form.items(multi=True)) \
            or _first_nul_pair((k, f.filename) for k, f in request.files.items(multi=True))
    if field is not None:
        raise ValidationFailed.on(field, "不能包含 NUL 字符或无效的 Unicode 代理项 (NUL or lone surrogate not allowed)")
    return None


def init_api(app) -> Api:
    app.url_map.converters["int"] = IdConverter   # before any blueprint's rules are bound
    api = Api(app, spec_kwargs={"info": {"description": "长三角技术交易市场共享后台 API。金额单位为分 (fen)，时间以 Asia/Shanghai 显示。"}})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}, {}]
    for blueprint in BLUEPRINTS + _feature_blueprints():
        api.register_blueprint(blueprint)
    app.register_blueprint(health.blp)
    app.before_request(refuse_deep_json)        # first: nothing may parse a body before it
    app.before_request(reject_unstorable_text)
    register_error_handlers(app)
    from .audit import init_audit
    init_audit(app)
    return api
