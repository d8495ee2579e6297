"""Alembic environment: the engine comes from bot.db (never from an ini file)."""

from alembic import context

import models

config = context.config
target_metadata = models.Base.metadata
# Tables with no model, made by hand in their migration: the search index (on SQLite an FTS5
# table and its shadow tables). Autogenerate must not offer to drop them.
UNMODELLED = "publication_search"


def include_name(name, type_, _parent_names) -> bool:
    return not (type_ == "table" and name and name.startswith(UNMODELLED))


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table (copy, drop, rename), and with foreign keys on, dropping a
            # table that other rows point at fails. SQLite's own recipe: keys off outside any
            # transaction (hence the raw connection, before SQLAlchemy begins one), rebuild, check
            # every key, keys on again (the pooled connection is reused by the app).
            raw = connection.connection.dbapi_connection
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                compare_type=True,
                include_name=include_name,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left dangling foreign keys: {broken[:5]}")
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()  # a failed run must not leave the pragma inside its transaction
                raw.execute("PRAGMA foreign_keys=ON")


run_migrations_online()
