"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...` (MARKET_CONFIG must be set)."""
from config import require_explicit_config
from market import create_app

app = create_app(require_explicit_config())
