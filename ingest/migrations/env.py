"""Alembic environment: runs against the connection dossier hands it (see
catalogue.upgrade), or against `sqlalchemy.url` when run as `alembic` from a shell."""

from alembic import context
from sqlalchemy import create_engine

from ingest.catalogue import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
