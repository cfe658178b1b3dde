"""Schema upgrades: Alembic's `upgrade head`, run by the app at start-up on its own writer engine."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    """Alembic's configuration without alembic.ini: the app needs only where the revisions are."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Apply every revision the database lacks, in one transaction (env.py takes the locks and stamps old databases)."""
    config = alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
