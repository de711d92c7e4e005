"""Pure business rules: no Flask, SQLAlchemy, Stripe or Whoosh in here."""
