"""The REST API: flask-smorest blueprints, one per resource."""
from flask_smorest import Api

from . import achievements, auth, demands, health, organisations
from .errors import register_error_handlers

BLUEPRINTS = [auth.blp, organisations.blp, achievements.blp, demands.blp]


def _feature_blueprints() -> list:
    """Feature blueprints (imports, search, auctions, payments, contracts, stats)."""
    found = []
    from . import contracts, stats; found += [contracts.blp, stats.blp]  # noqa: E702
    from . import imports; found.append(imports.blp)  # noqa: E702
    from . import payments; found.append(payments.blp)  # noqa: E702
    from . import auctions; found += auctions.BLUEPRINTS  # noqa: E702
    from . import search; found += [search.blp, search.matches_blp]  # noqa: E702
    return found


def init_api(app) -> Api:
    api = Api(app, spec_kwargs={"info": {"description": "长三角技术交易市场共享后台 API。金额单位为分 (fen)，时间以 Asia/Shanghai 显示。"}})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}, {}]
    for blueprint in BLUEPRINTS + _feature_blueprints():
        api.register_blueprint(blueprint)
    app.register_blueprint(health.blp)
    register_error_handlers(app)
    return api
