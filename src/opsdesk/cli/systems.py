"""`opsdesk system ...`: the contracted information systems."""

from __future__ import annotations

from opsdesk.cli.common import JsonOpt, desk, sub_app
from opsdesk.cli.output import emit_json, line, table

system_app = sub_app("The contracted information systems.")


@system_app.command("list")
def system_list(as_json: JsonOpt = False) -> None:
    """List the contracted systems.

    Example: opsdesk system list
    """
    from opsdesk.contract.systems import systems

    with desk(write=False) as d:
        d.contract  # noqa: B018
        rows = [{"code": s.code, "name": s.name, "active": s.active} for s in systems(d)]
    if as_json:
        emit_json(rows)
    else:
        table("Systems", ["code", "name"], [[r["code"], r["name"]] for r in rows])


@system_app.command("add")
def system_add(code: str, name: str) -> None:
    """Add a system to the contract.

    Example: opsdesk system add pacs 影像归档系统
    """
    from opsdesk.contract.systems import add_system

    with desk() as d:
        system = add_system(d, code, name)
    line(f"Added system {system.code}: {system.name}")


@system_app.command("rename")
def system_rename(code: str, name: str) -> None:
    """Change a system's name.

    Example: opsdesk system rename bi 智能管理驾驶舱
    """
    from opsdesk.contract.systems import rename_system

    with desk() as d:
        system = rename_system(d, code, name)
    line(f"Renamed system {system.code}: {system.name}")
