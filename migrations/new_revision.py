"""Write a new Alembic revision by comparing the models with a scratch SQLite database.

Usage: .venv/bin/python migrations/new_revision.py "what changed"
"""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alembic import command  # noqa: E402

from bot.spine.db import alembic_config, make_engine  # noqa: E402

with tempfile.TemporaryDirectory() as tmp:
    engine = make_engine(f"sqlite:///{tmp}/scratch.db")
    cfg = alembic_config(engine)
    command.upgrade(cfg, "head")
    command.revision(cfg, message=sys.argv[1], autogenerate=True)
