"""What a database's schema is, read from its catalog, so that two databases' schemas can be compared exactly."""

from typing import Any

from sqlalchemy import create_engine, text

# Indexes keep their DDL as written; a table's DDL text is not compared, because ALTER TABLE ... ADD COLUMN (migration
# 0004) splices the column into it in its own spelling: the table's columns and foreign keys are compared instead.
SQLITE_INDEXES = "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name <> 'alembic_version'"
SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'alembic_version'"
POSTGRES_COLUMNS = """
    SELECT table_name, ordinal_position, column_name, data_type, character_maximum_length, numeric_precision,
           numeric_scale, is_nullable, column_default
    FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'alembic_version'
"""
POSTGRES_INDEXES = (
    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
)
POSTGRES_CONSTRAINTS = """
    SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
    WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> 'alembic_version'
"""
POSTGRES_SEQUENCES = "SELECT sequencename, data_type FROM pg_sequences WHERE schemaname = 'public'"


def schema_of(url: str) -> dict[str, Any]:
    """Tables, columns, indexes and constraints (SQLite: its stored DDL), without Alembic's version table."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                schema: dict[str, Any] = {
                    "indexes": sorted(tuple(map(str, row)) for row in connection.execute(text(SQLITE_INDEXES)))
                }
                for table in connection.execute(text(SQLITE_TABLES)).scalars():
                    columns = connection.execute(text(f"PRAGMA table_xinfo('{table}')"))
                    keys = connection.execute(text(f"PRAGMA foreign_key_list('{table}')"))
                    schema[f"columns {table}"] = [tuple(map(str, row)) for row in columns]
                    schema[f"foreign keys {table}"] = sorted(tuple(map(str, row[2:])) for row in keys)
                return schema
            return {
                query: sorted(tuple(map(str, row)) for row in connection.execute(text(query)))
                for query in (POSTGRES_COLUMNS, POSTGRES_INDEXES, POSTGRES_CONSTRAINTS, POSTGRES_SEQUENCES)
            }
    finally:
        engine.dispose()
