"""The content-hash cache: SQLite in ``.telemetry_cache/`` at the repository root.

Two tables. ``functions``: per-function results keyed by everything that
changes the output (function text with telemetry stripped, language, level,
template/prompt version, model); every value is re-verified before use.
``files``: content hashes of files known to be a fixed point (every function
instrumented or skipped), so a warm rerun reads and hashes instead of parsing.

Several hook processes share it (WAL, busy timeout). A corrupt database is
rebuilt, a locked one is bypassed; both with a warning, never fatal.
"""
from __future__ import annotations

import hashlib
import sqlite3
import sys
import time
from pathlib import Path
from typing import NamedTuple

from telemetry_inject import __version__

CACHE_DIR = ".telemetry_cache"
TEMPLATE_VERSION = "python-spans-1"
DEFAULT_MAX_ENTRIES = 200_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS functions (key TEXT PRIMARY KEY, value BLOB NOT NULL, source TEXT NOT NULL, used INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS files (key TEXT PRIMARY KEY, used INTEGER NOT NULL);
"""


def function_key(stripped_text: bytes, language: str, level: str, model: str = "") -> str:
    digest = hashlib.sha256()
    for part in (__version__.encode(), TEMPLATE_VERSION.encode(), language.encode(), level.encode(), model.encode(), stripped_text):
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def file_key(raw: bytes, language: str, level: str, import_line: bytes) -> str:
    return function_key(raw, language, level, "file:" + import_line.decode("utf-8", "replace"))


def make_directory(directory: Path) -> None:
    """The cache directory, with the .gitignore that keeps all of it out of commits (raises OSError)."""
    directory.mkdir(exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by telemetry-inject: never commit the cache.\n*\n")


class CacheStats(NamedTuple):
    functions: int
    files: int
    bytes: int
    path: Path


class Cache:
    """A best-effort cache: every failure degrades to a miss and one warning."""

    def __init__(self, root: Path, max_entries: int = DEFAULT_MAX_ENTRIES, warn=None) -> None:
        self.directory = root / CACHE_DIR
        self.path = self.directory / "cache.sqlite3"
        self.max_entries = max_entries
        self._warn = warn or (lambda message: print(f"telemetry-inject: warning: {message}", file=sys.stderr))
        self._db: sqlite3.Connection | None = None
        self._broken = False
        self._writes = 0

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is not None or self._broken:
            return self._db
        try:
            make_directory(self.directory)
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            if _is_locked(exc):
                return self._give_up(f"cache {self.path} is locked ({exc}); running without it")
            self._warn(f"cache {self.path} is unreadable ({exc}); rebuilding it")
            try:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)
                self._db = self._open()
            except (sqlite3.Error, OSError) as again:
                return self._give_up(f"cache {self.path} cannot be rebuilt ({again}); running without it")
        except OSError as exc:
            return self._give_up(f"cache directory {self.directory} is not writable ({exc.strerror}); running without it")
        return self._db

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        # Switching to WAL and creating the schema take locks for which SQLite may
        # answer "locked" at once instead of waiting, when processes start together.
        for attempt in range(50):
            try:
                if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.executescript(_SCHEMA)
                break
            except sqlite3.OperationalError as exc:
                if not _is_locked(exc) or attempt == 49:
                    raise
                time.sleep(0.02 * (attempt + 1))
        db.execute("SELECT count(*) FROM functions").fetchone()  # surfaces a corrupt file now
        return db

    def _give_up(self, message: str) -> None:
        self._warn(message)
        self._broken = True
        self._db = None
        return None

    def _run(self, sql: str, params: tuple = ()) -> list[tuple]:
        db = self._connect()
        if db is None:
            return []
        try:
            return db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            self._give_up(f"cache {self.path} failed ({exc}); continuing without it")
            return []

    def get_function(self, key: str) -> tuple[bytes, str] | None:
        rows = self._run("SELECT value, source FROM functions WHERE key = ?", (key,))
        return (bytes(rows[0][0]), rows[0][1]) if rows else None

    def put_function(self, key: str, value: bytes, source: str) -> None:
        self._run("INSERT OR REPLACE INTO functions VALUES (?, ?, ?, ?)", (key, value, source, int(time.time())))
        self._count_write()

    def has_file(self, key: str) -> bool:
        return bool(self._run("SELECT 1 FROM files WHERE key = ?", (key,)))

    def put_many(self, functions: list[tuple[str, bytes, str]], file_keys: list[str]) -> None:
        """One transaction for a whole file's results (a commit per row is slow on WAL)."""
        db = self._connect()
        if db is None or not (functions or file_keys):
            return
        now = int(time.time())
        try:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT OR REPLACE INTO functions VALUES (?, ?, ?, ?)", [(k, v, s, now) for k, v, s in functions])
                db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?)", [(k, now) for k in file_keys])
        except sqlite3.DatabaseError as exc:
            self._give_up(f"cache {self.path} failed ({exc}); continuing without it")
            return
        self._count_write(len(functions) + len(file_keys))

    def _count_write(self, n: int = 1) -> None:
        self._writes += n
        if self._writes >= 1000:
            self._writes = 0
            self.prune()

    def prune(self, max_entries: int | None = None) -> int:
        """Evict the least recently stored rows beyond the bound; returns rows removed."""
        limit = self.max_entries if max_entries is None else max_entries
        removed = 0
        for table in ("functions", "files"):
            rows = self._run(f"SELECT count(*) FROM {table}")
            excess = (rows[0][0] if rows else 0) - limit
            if excess > 0:
                self._run(f"DELETE FROM {table} WHERE key IN (SELECT key FROM {table} ORDER BY used LIMIT ?)", (excess,))
                removed += excess
        return removed

    def clear(self) -> None:
        self._run("DELETE FROM functions")
        self._run("DELETE FROM files")

    def stats(self) -> CacheStats:
        functions = self._run("SELECT count(*) FROM functions")
        files = self._run("SELECT count(*) FROM files")
        size = sum(p.stat().st_size for p in self.directory.glob("cache.sqlite3*")) if self.directory.is_dir() else 0
        return CacheStats(functions[0][0] if functions else 0, files[0][0] if files else 0, size, self.path)

    @property
    def broken(self) -> bool:
        """This process gave up on the database (locked, unwritable): a later run may try again."""
        return self._broken

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _is_locked(exc: sqlite3.DatabaseError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)
