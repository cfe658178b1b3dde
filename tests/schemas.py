"""What a database's schema is, read from its catalog, so that two databases' schemas can be compared exactly."""

from typing import Any

from sqlalchemy import create_engine, text

SQLITE_SCHEMA = "SELECT type, name, sql FROM sqlite_master WHERE tbl_name <> 'alembic_version'"
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
                return {
                    "sqlite_master": sorted(tuple(map(str, row)) for row in connection.execute(text(SQLITE_SCHEMA)))
                }
            return {
                query: sorted(tuple(map(str, row)) for row in connection.execute(text(query)))
                for query in (POSTGRES_COLUMNS, POSTGRES_INDEXES, POSTGRES_CONSTRAINTS, POSTGRES_SEQUENCES)
            }
    finally:
        engine.dispose()
