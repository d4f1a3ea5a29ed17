"""The contracted information systems: the five every contract starts with, and their changes."""

from __future__ import annotations

from sqlmodel import col, select

from opsdesk.desk import Desk, text_value
from opsdesk.errors import InvalidInput, NotFound, Refused
from opsdesk.store.models import System

SYSTEMS = (
    ("queue", "智能候诊信息系统"),
    ("cdss", "临床决策支持及知识库"),
    ("face", "智慧人脸AI行政管理平台"),
    ("bi", "智能管理驾驶舱（BI大屏）"),
    ("avatar", "数字化形象动作设计维护"),
)


def systems(desk: Desk, *, include_inactive: bool = True) -> list[System]:
    query = select(System).order_by(col(System.id))
    if not include_inactive:
        query = query.where(System.active)
    return list(desk.session.exec(query))


def get_system(desk: Desk, code: str) -> System:
    system = desk.session.exec(select(System).where(System.code == code.strip().lower())).first()
    if system is None:
        known = ", ".join(s.code for s in systems(desk)) or "none yet"
        raise NotFound(f"no system {code!r}; known systems: {known} (add one with `opsdesk system add CODE NAME`)")
    return system


def system_by_id(desk: Desk, system_id: int) -> System:
    """The system a record belongs to (by its foreign key, so always there)."""
    system = desk.session.get(System, system_id)
    if system is None:
        raise NotFound(f"no system {system_id}; `opsdesk system list` shows them")
    return system


def add_system(desk: Desk, code: str, name: str) -> System:
    desk.contract  # noqa: B018 - a system belongs to a contract
    code = (text_value(code, "system code", required=True) or "").lower()
    if not code.replace("-", "").replace("_", "").isalnum() or not code.isascii() or len(code) > 20:
        raise InvalidInput(f"system code {code!r} must be a short ASCII word (letters, digits, - or _), e.g. pacs")
    if desk.session.exec(select(System).where(System.code == code)).first():
        raise Refused(f"system {code!r} already exists; rename it with `opsdesk system rename {code} NAME`")
    return desk.create(System(code=code, name=text_value(name, "system name", required=True)), "system.add")


def rename_system(desk: Desk, code: str, name: str) -> System:
    system = get_system(desk, code)
    desk.update(system, {"name": text_value(name, "system name", required=True)}, "system.rename")
    return system
