"""Opening the history database and reading and writing recorded runs.

One transaction per record: a record killed half-way leaves the database as it was. On
SQLite every transaction starts with ``BEGIN IMMEDIATE`` (it takes the write lock at once,
and writers queue behind it for up to a minute), so many processes may record into one
file at the same time; on PostgreSQL the schema check holds an advisory lock, so two
processes creating a new database do not collide. Every problem with the database (not
one, a foreign one, a newer schema, unreachable, not writable) is a ``HistoryError``,
raised when it is opened: before a simulation runs, so no long run is wasted.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model.errors import ScenarioError
from .records import RunRecord, UpdateKey, unpack

try:
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql, sqlite
except ImportError as exc:  # pragma: no cover - the extra is missing
    raise ImportError('recording runs needs the history extra: pip install ".[history]"') from exc

from . import schema

#: The history file used when neither ``--history`` nor ``PMO_SIM_HISTORY`` names one.
DEFAULT_HISTORY = "pmo-history.sqlite"
#: The environment variable naming the history (a file or a database URL).
HISTORY_ENV = "PMO_SIM_HISTORY"
#: How long a writer waits for another's transaction on SQLite, in seconds.
SQLITE_WAIT = 60.0
#: The key of PostgreSQL's advisory lock taken while the schema is checked or created.
SCHEMA_LOCK = 0x706D6F73  # "pmos"


class HistoryError(ScenarioError):
    """The history database cannot be used; the message says which and why. A
    ``ScenarioError`` so the command line reports it as bad input (exit 2)."""


def target_of(target: str | os.PathLike[str] | None = None) -> tuple[str, str]:
    """The database URL and a label for messages: ``target`` (a file path or a URL),
    else ``PMO_SIM_HISTORY``, else ``pmo-history.sqlite`` in the working folder. A
    ``postgresql://`` URL uses the psycopg driver; ``sqlite:///PATH`` is the file PATH.
    The label is what the user wrote, without its password."""
    raw = os.fspath(target) if target is not None else os.environ.get(HISTORY_ENV, "")
    raw = raw.strip() or DEFAULT_HISTORY
    if raw.startswith("sqlite:"):
        # SQLAlchemy's form: sqlite:///relative/path, sqlite:////absolute/path.
        path = raw[len("sqlite:///") :] if raw.startswith("sqlite:///") else ""
        if not path or path == ":memory:":
            raise HistoryError(
                f"--history {raw!r}: name the SQLite file, as a path (team.sqlite) or "
                "as sqlite:///team.sqlite"
            )
        if path.startswith("file:") or "?" in path:
            return raw, raw  # an SQLite URI with its options: as SQLAlchemy takes it
        raw = path
    if "://" not in raw:
        path = Path(raw).expanduser().absolute()
        return f"sqlite:///{path}", str(raw)
    if not raw.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        raise HistoryError(
            f"--history {raw!r}: a history is an SQLite file (a path) or a PostgreSQL "
            "database (postgresql://user@host/db); other databases are not supported"
        )
    url = raw
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            url = "postgresql+psycopg://" + url[len(plain) :]
    try:
        sa.engine.make_url(url)
        label = sa.engine.make_url(raw).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        raise HistoryError(
            f"--history {raw!r} is neither a file path nor a database URL "
            "(a path, sqlite:///path or postgresql://user@host/db)"
        ) from None
    return url, label


def sqlite_file(url: str) -> str | None:
    """The file an ``sqlite:///PATH`` URL (as ``target_of`` gives it) names, or None
    (PostgreSQL, or an SQLite URI with its own options)."""
    path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
    return path if path and not path.startswith("file:") else None


@dataclass(frozen=True)
class Recorded:
    """What ``History.record`` did: the run's id, whether it was stored (False: the
    same update was already there, as ``run_id``), and notes for the user."""

    run_id: int
    stored: bool
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredRun:
    """A run as the history holds it: ``summary`` is the result document without its
    per-task section; ``History.load`` also reads the whole ``result``, the scenario
    text and the arrays, which ``History.runs`` leaves out."""

    id: int
    project_id: str
    project_name: str
    data_date: dt.date
    recorded_at: dt.datetime
    command: str
    source: str
    scenario_sha256: str
    seed: int
    iterations: int
    sampling: str
    mitigated: bool
    pmo_sim_version: str
    summary: dict[str, Any]
    result: dict[str, Any] | None = None
    scenario_text: str = ""
    finish_days: Any = None
    cost: Any = None


def open_history(target: str | os.PathLike[str] | None = None, *, write: bool = True) -> History:
    """The history at ``target`` (see ``target_of``), created or migrated to this
    pmo-sim's schema; a ``HistoryError`` if it cannot be used. With ``write=False``
    (the commands that only read it) nothing is created: a history that does not exist
    yet is an error saying how to start one, and a read-only one is fine."""
    url, label = target_of(target)
    file = sqlite_file(url)
    if not write and file is not None and not Path(file).exists():
        # Opening would create an empty file: a reader says how to start a history.
        raise HistoryError(_nothing_recorded(label))
    engine = _engine(url, write=write)
    history = History(engine, label)
    history.prepare(write=write)
    return history


def _nothing_recorded(label: str) -> str:
    return (
        f"{label}: no history here yet; record a status update first ('pmo-sim record "
        "SCHEDULE', or 'pmo-sim run SCENARIO --record'), or name the history with "
        "--history or $PMO_SIM_HISTORY"
    )


def _engine(url: str, *, write: bool = True) -> sa.Engine:
    # No pool: each transaction opens and closes its own connection, so nothing is
    # left open between records (a command records once; a process forked or killed
    # holds no connection another could inherit).
    pool = sa.pool.NullPool
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, poolclass=pool, connect_args={"timeout": SQLITE_WAIT})

        @sa.event.listens_for(engine, "connect")
        def _no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite begins transactions itself, lazily and deferred; we begin them.
            dbapi_connection.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _begin(connection: sa.Connection) -> None:
            # A writer takes the write lock at the start, so two writers never deadlock
            # upgrading a read lock; the other waits (SQLITE_WAIT) instead. A reader
            # takes none (a read-only file stays readable).
            connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    return sa.create_engine(url, poolclass=pool, connect_args={"connect_timeout": 10})


class History:
    """A history database (see ``open_history``)."""

    def __init__(self, engine: sa.Engine, label: str) -> None:
        self.engine = engine
        self.label = label

    def __repr__(self) -> str:
        return f"History({self.label!r})"

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ the schema
    def prepare(self, *, write: bool = True) -> None:
        """Check the schema, creating or upgrading it; refuse a foreign database or
        one written by a newer pmo-sim. With ``write=False`` an empty database is
        refused (nothing is recorded in it) and a current one is not probed for
        writing."""
        try:
            with self.engine.connect() as conn, conn.begin() as transaction:
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": SCHEMA_LOCK})
                if not self._check_schema(conn, write):
                    # Only probed (the schema is current): nothing to keep, and no
                    # commit to wait for.
                    transaction.rollback()
        except HistoryError:
            raise
        except sa.exc.SQLAlchemyError as exc:
            raise HistoryError(self._why(exc)) from None

    def _check_schema(self, conn: sa.Connection, write: bool) -> bool:
        """True when it changed the database (created or upgraded the schema)."""
        from .migrations import known_revisions, upgrade

        tables = set(sa.inspect(conn).get_table_names())
        if not tables and not write:
            raise HistoryError(_nothing_recorded(self.label))
        if "alembic_version" in tables:
            found = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
            revision = next(iter(found), None)
            if revision == schema.REVISION:
                if write:
                    # A write that changes nothing: a history that cannot be written (a
                    # read-only file or role) is refused now, not after the run.
                    conn.execute(sa.text("UPDATE alembic_version SET version_num = version_num"))
                return False
            if revision is not None and revision not in known_revisions():
                raise HistoryError(
                    f"{self.label}: the history was written by a newer pmo-sim (schema "
                    f"revision {revision}; this pmo-sim knows up to {schema.REVISION}); "
                    "upgrade pmo-sim to use it"
                )
        elif tables:
            raise HistoryError(
                f"{self.label}: is a database, but not a pmo-sim history (it has tables "
                f"{', '.join(sorted(tables)[:5])} and none of pmo-sim's); name a new file "
                "or an empty database with --history"
            )
        upgrade(conn)
        return True

    def _why(self, exc: Exception) -> str:
        text = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0]
        if "file is not a database" in text:
            return f"{self.label}: is not an SQLite database (or is damaged); name a new file"
        if "unable to open database file" in text:
            return (
                f"{self.label}: cannot be opened or created (does its folder exist, and may "
                "it be written?)"
            )
        if "readonly" in text or "read-only" in text:
            return f"{self.label}: cannot be written ({text})"
        if isinstance(exc, sa.exc.OperationalError):
            return f"{self.label}: cannot be reached or used ({text})"
        return f"{self.label}: {text}"

    # ------------------------------------------------------------------ writing
    def record(self, rec: RunRecord, *, on_written: Callable[[], None] | None = None) -> Recorded:
        """Store ``rec`` in one transaction. The same update (project, data date,
        scenario SHA-256, seed, iterations, sampling, mitigated) is stored once: a
        second record returns the first's id with ``stored`` False. ``on_written`` is
        called inside the transaction after the rows are written, before the commit."""
        try:
            return self._record(rec, on_written)
        except sa.exc.IntegrityError:
            # Another process stored the same update between our check and our insert.
            return self._record(rec, on_written)
        except sa.exc.SQLAlchemyError as exc:
            raise HistoryError(self._why(exc)) from None

    def _record(self, rec: RunRecord, on_written: Callable[[], None] | None) -> Recorded:
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
            conn.execute(
                insert(schema.projects)
                .values(id=rec.project_id, name=rec.project_name, created_at=now)
                .on_conflict_do_nothing(index_elements=["id"])
            )
            r = schema.runs.c
            same = _same(conn, rec.key)
            if same is not None:
                return Recorded(same, False, (already_recorded(same),))
            latest = conn.execute(
                sa.select(sa.func.max(r.data_date)).where(r.project_id == rec.project_id)
            ).scalar()
            result = conn.execute(
                schema.runs.insert().values(
                    project_id=rec.project_id,
                    project_name=rec.project_name,
                    data_date=rec.data_date,
                    recorded_at=now,
                    command=rec.command,
                    source=rec.source,
                    scenario_sha256=rec.scenario_sha256,
                    scenario_text=rec.scenario_text,
                    seed=rec.seed,
                    iterations=rec.iterations,
                    sampling=rec.sampling,
                    mitigated=rec.mitigated,
                    pmo_sim_version=rec.pmo_sim_version,
                    result_json=json.dumps(rec.result, separators=(",", ":")),
                    summary_json=json.dumps(rec.summary, separators=(",", ":")),
                    finish_days=rec.packed_finish,
                    cost=rec.packed_cost,
                )
            )
            run_id = int(result.inserted_primary_key[0])
            if on_written is not None:
                on_written()
        notes = ()
        if latest is not None and _as_date(latest) > rec.data_date:
            notes = (
                f"data date {rec.data_date} is before the latest recorded update of "
                f"{rec.project_id!r} ({_as_date(latest)}): kept, and ordered by data date",
            )
        return Recorded(run_id, True, notes)

    # ------------------------------------------------------------------ reading
    def recorded(self, key: UpdateKey) -> int | None:
        """The id of the run already recorded as this update, if any (checked before a
        simulation, so a duplicate is not simulated for nothing)."""
        try:
            with self.engine.connect() as conn:
                return _same(conn, key)
        except sa.exc.SQLAlchemyError as exc:
            raise HistoryError(self._why(exc)) from None

    def runs(self, project: str | None = None) -> list[StoredRun]:
        """Every recorded run (of ``project``), by project, data date and recording
        time; the whole result, arrays and scenario text are left unread."""
        r = schema.runs.c
        query = sa.select(*(c for c in schema.runs.c if c.name not in _HEAVY)).order_by(
            r.project_id, r.data_date, r.recorded_at, r.id
        )
        if project is not None:
            query = query.where(r.project_id == project)
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(query).mappings().all()
        except sa.exc.SQLAlchemyError as exc:
            raise HistoryError(self._why(exc)) from None
        return [_stored(row) for row in rows]

    def load(self, run_id: int) -> StoredRun:
        """One run with its scenario text and per-iteration arrays."""
        try:
            with self.engine.connect() as conn:
                row = (
                    conn.execute(sa.select(schema.runs).where(schema.runs.c.id == run_id))
                    .mappings()
                    .first()
                )
        except sa.exc.SQLAlchemyError as exc:
            raise HistoryError(self._why(exc)) from None
        if row is None:
            raise HistoryError(f"{self.label}: no run with id {run_id}")
        return _stored(row)

    def projects(self) -> list[str]:
        """The ids of the projects with recorded runs, sorted."""
        return sorted({run.project_id for run in self.runs()})

    def updates(self, project: str, *, mitigated: bool = False) -> list[StoredRun]:
        """The project's updates in data-date order: per data date, the run recorded
        last (a re-run of an update supersedes the earlier one). Runs of the register
        after mitigation (``compare SCENARIO --record``) are a trend of their own:
        ``mitigated=True``."""
        latest: dict[dt.date, StoredRun] = {}
        for run in self.runs(project):
            if run.mitigated == mitigated:
                latest[run.data_date] = run  # runs() orders by recording time in a date
        return [latest[d] for d in sorted(latest)]


_HEAVY = {"scenario_text", "finish_days", "cost", "result_json"}


def already_recorded(run_id: int) -> str:
    """The note for an update recorded before."""
    return (
        f"this update is already recorded as run {run_id} (same project, data date, "
        "scenario SHA-256, seed, iterations, sampling and mitigation): not stored again"
    )


def _same(conn: sa.Connection, key: UpdateKey) -> int | None:
    r = schema.runs.c
    same = conn.execute(
        sa.select(r.id).where(
            r.project_id == key.project_id,
            r.data_date == key.data_date,
            r.scenario_sha256 == key.scenario_sha256,
            r.seed == key.seed,
            r.iterations == key.iterations,
            r.sampling == key.sampling,
            r.mitigated == key.mitigated,
        )
    ).scalar()
    return None if same is None else int(same)


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite keeps no time zone; the history writes UTC, so say so on reading.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):  # SQLite returns aggregates of dates as text
        return dt.date.fromisoformat(value[:10])
    return value


def _stored(row: Any) -> StoredRun:
    return StoredRun(
        id=int(row["id"]),
        project_id=row["project_id"],
        project_name=row["project_name"],
        data_date=_as_date(row["data_date"]),
        recorded_at=_utc(row["recorded_at"]),
        command=row["command"],
        source=row["source"],
        scenario_sha256=row["scenario_sha256"],
        seed=int(row["seed"]),
        iterations=int(row["iterations"]),
        sampling=row["sampling"],
        mitigated=bool(row["mitigated"]),
        pmo_sim_version=row["pmo_sim_version"],
        summary=json.loads(row["summary_json"]),
        result=json.loads(row["result_json"]) if "result_json" in row else None,
        scenario_text=row.get("scenario_text", "") or "",
        finish_days=unpack(row["finish_days"]) if "finish_days" in row else None,
        cost=unpack(row["cost"]) if row.get("cost") is not None else None,
    )
