"""Alembic environment: the schema is `market.adapters.orm.metadata` (every
feature's tables are registered on it by `start_mappers`)."""
from logging.config import fileConfig

from alembic import context

from market.adapters import orm
from market.adapters.db import make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

orm.start_mappers()
target_metadata = orm.metadata


# Tables that live in the database but not in our models (APScheduler's job store).
FOREIGN_TABLES = {"apscheduler_jobs"}


def include_name(name, type_, parent_names) -> bool:
    return not (type_ == "table" and name in FOREIGN_TABLES)


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from config import load_config
    return load_config()["DATABASE_URL"]


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      compare_type=True, include_name=include_name, render_as_batch=_url().startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True,
                      include_name=include_name,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
