"""Consistent database copies: SQLite's online backup API, or pg_dump."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


def backup_database(url: str, path: Path) -> str:
    """Copy the database at ``url`` to ``path``; returns "sqlite" or "postgresql"."""
    parsed = make_url(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_backend_name() == "sqlite":
        source = sqlite3.connect(parsed.database)
        target = sqlite3.connect(path)
        try:
            with target:
                source.backup(target)  # a consistent snapshot even while others write
        finally:
            target.close()
            source.close()
        return "sqlite"
    if parsed.get_backend_name() == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise RuntimeError("pg_dump is not installed (Debian: postgresql-client)")
        env = dict(os.environ)
        if parsed.password:
            env["PGPASSWORD"] = parsed.password
        args = [pg_dump, "--format=custom", "--no-owner", f"--file={path}",
                f"--host={parsed.host or 'localhost'}", f"--port={parsed.port or 5432}",
                f"--username={parsed.username or 'postgres'}", parsed.database or "postgres"]
        subprocess.run(args, check=True, env=env)
        return "postgresql"
    raise RuntimeError(f"no backup method for {parsed.get_backend_name()}")
