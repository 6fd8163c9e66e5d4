"""DDL that makes tables append-only: the database itself refuses UPDATE, DELETE (and on
PostgreSQL TRUNCATE) of stock movements, log entries, custody events and plans.

Migrations call these instead of each writing its own triggers, so every guarded table is
guarded the same way on both backends.
"""

from __future__ import annotations

from collections.abc import Sequence


def refuse_changes_ddl(
    dialect: str,
    tables: Sequence[str],
    *,
    function: str,
    word: str = "append-only",
    create_function: bool = True,
) -> list[str]:
    """Statements creating the guard triggers (and on PostgreSQL the shared trigger function)."""
    suffix = word.replace("-", "_")
    if dialect == "postgresql":
        statements = []
        if create_function:
            statements.append(
                f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is {word}'; END $$"
            )
        for table in tables:
            statements.append(
                f"CREATE TRIGGER {table}_{suffix} BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}()"
            )
            statements.append(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
        return statements
    return [
        f"CREATE TRIGGER {table}_{suffix}_{action.lower()} BEFORE {action} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is {word}'); END"
        for table in tables
        for action in ("UPDATE", "DELETE")
    ]


def allow_changes_ddl(
    dialect: str,
    tables: Sequence[str],
    *,
    function: str,
    word: str = "append-only",
    drop_function: bool = True,
) -> list[str]:
    """Statements dropping what `refuse_changes_ddl` created (for downgrades)."""
    suffix = word.replace("-", "_")
    if dialect == "postgresql":
        statements = []
        for table in tables:
            statements.append(f"DROP TRIGGER {table}_{suffix} ON {table}")
            statements.append(f"DROP TRIGGER {table}_no_truncate ON {table}")
        if drop_function:
            statements.append(f"DROP FUNCTION {function}()")
        return statements
    return [
        f"DROP TRIGGER {table}_{suffix}_{action}"
        for table in tables
        for action in ("update", "delete")
    ]
