"""A realistic, deterministic demo contract built through the real operations.

The same ``seed`` and ``now`` give the same store. Every record is written through
:mod:`opsdesk.records`, so the demo's history chain is as real as a user's.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path

from dateutil.relativedelta import relativedelta

from opsdesk import changes, confirmations, faults, inspections, people
from opsdesk.contract import init_contract
from opsdesk.errors import Refused
from opsdesk.records import Desk
from opsdesk.store import open_store

SYMPTOMS = {
    "queue": [
        "3号诊区叫号屏黑屏",
        "叫号语音不播报",
        "患者签到后不进入候诊队列",
        "诊区大屏显示错乱",
        "复诊患者排序错误",
    ],
    "cdss": ["知识库检索超时", "用药禁忌提示未弹出", "诊断推荐接口返回500", "知识条目版本显示错误"],
    "face": ["人脸考勤终端离线", "识别通过率骤降", "访客登记无法拍照", "考勤数据未同步到OA"],
    "bi": ["驾驶舱门诊量指标为0", "大屏数据延迟超过1小时", "住院床位使用率计算错误", "报表导出失败"],
    "avatar": ["数字人导诊无响应", "形象动作卡顿", "语音播报与口型不同步", "导诊问答库未更新"],
}
CAUSES = [
    ("服务进程挂死", "重启服务并配置进程守护"),
    ("HIS接口视图字段变更", "调整接口映射并回归测试"),
    ("数据库连接池耗尽", "扩大连接池并优化慢SQL"),
    ("用户误操作删除排班数据", "从备份恢复当日排班数据"),
    ("证书过期", "更新SSL证书并重启网关"),
    ("磁盘空间不足", "清理历史日志并设置轮转"),
    ("网络交换机端口故障", "协调网络组更换端口"),
]
REPORTERS = [
    ("王护士", "门诊部"),
    ("李医生", "心内科"),
    ("陈主任", "信息科"),
    ("赵干事", "人事处"),
    ("刘护士长", "急诊科"),
]
CONFIRMERS = ["信息科 陈主任", "信息科 黄工"]
STAFF = [("张伟", "驻场工程师", True), ("李娜", "驻场工程师", True), ("王强", "驻场工程师", True),
         ("赵敏", "项目经理", False)]  # fmt: skip
CHANGES = [
    ("cdss", "新增抗菌药物分级使用提醒", "perfective", True),
    ("queue", "叫号规则支持老年人优先", "perfective", False),
    ("bi", "驾驶舱接入新院区数据", "interface", True),
    ("face", "适配新版Chrome浏览器", "adaptive", False),
    ("avatar", "导诊问答库对接HIS挂号接口", "interface", False),
    ("queue", "诊区大屏适配国产操作系统", "adaptive", False),
]
WORK = [("backup", "检查实时备份同步状态及备份日志"), ("os", "安装操作系统安全补丁"),
        ("database", "数据库统计信息收集与索引重建"), ("security", "漏洞扫描及弱口令检查")]  # fmt: skip


DEMO_NAME = "智慧医疗建设服务系统运维项目（演示）"


def is_demo_name(name: str) -> bool:
    """Whether a contract is one `opsdesk demo` built (the demo, or a `--scale` store)."""
    from opsdesk.scale import SCALE_NAME_PREFIX

    return name == DEMO_NAME or name.startswith(SCALE_NAME_PREFIX)


def clear_for_demo(target: Path | str, replace: bool) -> None:
    """A demo is built into an empty database; ``--replace`` empties one that holds a demo, never a
    real contract (a typo on a shared database must not cost the team its records)."""
    if isinstance(target, Path):
        if not target.exists():
            return
        if not replace:
            raise Refused(f"{target} already exists; add --replace to rebuild it, or choose another --db")
    store = open_store(target, create=True)
    try:
        name = store.contract_name()
        if name is None and isinstance(target, Path):
            return
        if name is not None and not replace:
            raise Refused(f"{store.name} already holds a contract; add --replace to rebuild the demo there")
        if name is not None and not is_demo_name(name):
            raise Refused(
                f"{store.name} holds the contract {name!r}, not a demo; --replace only rebuilds a demo database "
                "(choose another --db)"
            )
        if isinstance(target, Path):
            store.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
        else:
            store.empty()
    finally:
        store.close()


def build_demo(desk: Desk, *, months: int = 3, seed: int = 1) -> dict[str, int]:
    """Create the demo contract and ``months`` of fault history up to ``desk.now``."""
    rng = random.Random(seed)
    real_now = desk.now.replace(second=0, microsecond=0)
    first_day = real_now.date() - relativedelta(months=months)
    # the contract and roster are recorded first, before the history: recorded times never go backwards
    desk.now = datetime.combine(first_day, time(0), tzinfo=real_now.tzinfo)
    contract = init_contract(
        desk,
        name=DEMO_NAME,
        hospital="广东省人民医院（演示）",
        vendor="示例信息技术有限公司",
        start=first_day,
        months=12,
    )
    del contract
    cal, terms, tz = desk.calendar, desk.terms, desk.tz
    real_now = real_now.astimezone(tz)
    ops: list[tuple[datetime, int, Callable[[Desk], object]]] = []
    days = (real_now.date() - first_day).days
    count = max(20, 100 * months)
    for n in range(count):
        day = first_day + timedelta(days=rng.randrange(days + 1))
        reported = _report_time(rng, cal.is_working_day(day), day, tz)
        if reported > real_now - timedelta(minutes=10):
            continue
        _plan_ticket(rng, cal, terms, reported, real_now, n, ops)
    _plan_contract_work(rng, cal, first_day, real_now, ops)
    for number, (name, role, onsite) in enumerate(STAFF, start=1):
        people.add_staff(desk, name, role=role, phone=f"138000000{number:02d}", email=f"staff{number}@example.com",
                         onsite=onsite)  # fmt: skip
    ops.sort(key=lambda op: (op[0], op[1]))
    for recorded, _, run in ops:
        desk.now = recorded
        run(desk)
    desk.now = real_now
    from sqlmodel import func, select

    from opsdesk.models import Event, Ticket

    session = desk.session
    return {
        "tickets": session.exec(select(func.count()).select_from(Ticket)).one(),
        "open": session.exec(select(func.count()).select_from(Ticket).where(Ticket.resolved_at.is_(None))).one(),
        "events": session.exec(select(func.count()).select_from(Event)).one(),
    }


def _report_time(rng: random.Random, working: bool, day, tz) -> datetime:
    in_hours = working and rng.random() < 0.78
    minute = rng.randrange(8 * 60, 18 * 60) if in_hours else rng.randrange(7 * 60, 23 * 60)
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)


def _plan_ticket(rng, cal, terms, reported, now, seq, ops) -> None:
    """Decide one ticket's story and queue each step at the moment it would be recorded."""
    system = rng.choice(list(SYMPTOMS))
    kind = rng.choices(["fault", "defect", "data"], weights=[5, 3, 2])[0]
    reporter, dept = rng.choice(REPORTERS)
    inside = cal.in_working_hours(reported)
    limit = 30 if inside else 60
    response = reported + timedelta(
        minutes=rng.randint(2, limit - 3) if rng.random() > 0.07 else rng.randint(limit + 1, limit * 3)
    )
    is_remote = rng.random() < 0.35
    arrive_limit = 60 if inside else 120
    arrival = None
    if not is_remote:
        arrival = reported + timedelta(
            minutes=rng.randint(limit, arrive_limit - 2)
            if rng.random() > 0.06
            else rng.randint(arrive_limit + 5, arrive_limit * 2)
        )
        arrival = max(arrival, response + timedelta(minutes=5))
    target_h = terms.resolution_target(kind).total_seconds() / 3600
    work_h = rng.uniform(0.3, target_h * 0.9) if rng.random() > 0.1 else rng.uniform(target_h * 1.05, target_h * 1.6)
    resolved = cal.add_working_time(reported, timedelta(minutes=int(work_h * 60)))
    if is_remote and rng.random() < 0.8:
        resolved = reported + timedelta(minutes=rng.randint(20, arrive_limit - 5))
    resolved = max(resolved, (arrival or response) + timedelta(minutes=10))
    confirmed = None
    if rng.random() < 0.85:
        confirmed = (resolved + timedelta(days=rng.randint(1, 5))).replace(hour=rng.randint(9, 16))
    holder: dict[str, int] = {}
    cause, action = rng.choice(CAUSES)
    symptom = rng.choice(SYMPTOMS[system])
    channel = rng.choice(["phone", "phone", "platform", "wechat", "onsite"])
    confirmer = rng.choice(CONFIRMERS)

    last = [reported]

    def rec(moment: datetime) -> datetime:
        """When the step is typed in: soon after it happened (rarely hours late), never before the last one."""
        late = rng.random() < 0.04
        delay = timedelta(hours=rng.randint(2, 20)) if late else timedelta(minutes=rng.randint(0, 12))
        last[0] = min(max(moment + delay, last[0]), now)
        return last[0]

    def add(moment: datetime | None, run: Callable[[Desk], object]) -> None:
        if moment is not None and moment <= now:
            ops.append((rec(moment), seq, run))

    add(
        reported,
        lambda d: holder.setdefault(
            "id",
            faults.open_fault(
                d, system, symptom, kind=kind, at=reported, reporter=reporter, dept=dept, channel=channel
            ).id,
        ),
    )
    steps = [(response, lambda d: faults.respond(d, holder["id"], response))]
    if arrival is not None:
        steps.append((arrival, lambda d: faults.arrive(d, holder["id"], arrival)))
    else:
        steps.append((response, lambda d: faults.remote(d, holder["id"], response)))
    steps.append((resolved, lambda d: faults.resolve(d, holder["id"], cause=cause, action=action, at=resolved)))
    if confirmed is not None:
        steps.append(
            (confirmed, lambda d: faults.confirm(d, holder["id"], by=confirmer, comment="已核实", at=confirmed))
        )
    for moment, run in steps:
        if moment > now:
            break
        add(moment, run)


def _working_moment(cal, day, hour: int, tz) -> datetime:
    """``hour`` o'clock on ``day``, or on the next working day when ``day`` is not one."""
    while not cal.is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=tz)


def _plan_contract_work(rng, cal, first_day, now, ops) -> None:
    """Change requests, monthly inspections with risks, trainings and integration work, month by month."""
    tz = now.tzinfo
    seq = iter(range(1_000_000, 2_000_000))

    def add(moment: datetime, run: Callable[[Desk], object]) -> None:
        if moment <= now:
            ops.append((min(moment + timedelta(minutes=rng.randint(1, 20)), now), next(seq), run))

    month = first_day.replace(day=1)
    n = 0
    while month <= now.date():
        for system in SYMPTOMS:
            day = max(month.replace(day=rng.randint(18, 26)), first_day)
            if day.month != month.month:
                continue
            _plan_inspection(rng, system, _working_moment(cal, day, 10, tz), add)
        for _ in range(2):
            _plan_change(rng, cal, CHANGES[n % len(CHANGES)], month, first_day, tz, add)
            n += 1
        system = rng.choice(list(SYMPTOMS))
        train_at = _working_moment(cal, month.replace(day=rng.randint(5, 15)), 14, tz)
        if train_at.date() >= first_day:
            add(
                train_at + timedelta(hours=2),
                lambda d, s=system, t=train_at: people.add_training(
                    d, s, "新版本功能与操作培训", at=t, trainer="张伟", attendees=rng.randint(8, 40), hours=1.5
                ),
            )
        for week in range(0, 28, 7):
            kind, text = WORK[(week // 7) % len(WORK)]
            at = _working_moment(cal, month + timedelta(days=week + 1), 16, tz)
            if at.date() >= first_day:
                add(
                    at,
                    lambda d, s=rng.choice(list(SYMPTOMS)), k=kind, x=text, a=at: people.log_work(
                        d, s, x, type=k, at=a, minutes=rng.choice([30, 45, 60])
                    ),
                )
        drill = _working_moment(cal, month.replace(day=27), 19, tz)
        if drill.date() >= first_day:
            add(
                drill,
                lambda d, a=drill: people.log_work(
                    d, "cdss", "数据库备份恢复演练", type="restore-drill", at=a, minutes=120
                ),
            )
        month = (month + timedelta(days=32)).replace(day=1)


def _plan_inspection(rng, system: str, at: datetime, add) -> None:
    holder: dict[str, int] = {}
    results = []
    for item in inspections.DEFAULT_TEMPLATE:
        roll = rng.random()
        verdict = "fail" if roll < 0.02 else ("warn" if roll < 0.1 else "ok")
        results.append(
            {
                "item": item["item"],
                "verdict": verdict,
                "result": {"ok": "正常", "warn": "接近阈值", "fail": "异常"}[verdict],
            }
        )
    add(at, lambda d: holder.setdefault("id", inspections.record(d, system, results, at=at, inspector="张伟").id))
    flagged = [r for r in results if r["verdict"] != "ok"]
    if flagged:
        risk_at = at + timedelta(minutes=30)
        done_at = risk_at + timedelta(days=rng.randint(2, 9))
        risk: dict[str, int] = {}
        add(
            risk_at,
            lambda d: risk.setdefault(
                "id",
                inspections.add_risk(
                    d,
                    holder["id"],
                    f"{flagged[0]['item']}{flagged[0]['result']}",
                    level="medium",
                    remedy="制定处置方案并在维护窗口实施",
                    owner="张伟",
                    due=done_at.date(),
                ).id,
            ),
        )
        add(done_at, lambda d: inspections.risk_done(d, risk["id"], at=done_at, note="已处置"))
    if rng.random() < 0.8:
        confirm_at = at + timedelta(days=3)
        add(
            confirm_at,
            lambda d: confirmations.confirm(d, "inspection", holder["id"], by=rng.choice(CONFIRMERS), at=confirm_at),
        )


def _plan_change(rng, cal, spec, month, first_day, tz, add) -> None:
    system, title, kind, schema = spec
    submitted = _working_moment(cal, month.replace(day=rng.randint(1, 20)), 10, tz)
    if submitted.date() < first_day:
        return
    holder: dict[str, int] = {}
    add(
        submitted,
        lambda d: holder.setdefault(
            "id",
            changes.open_change(
                d, system, title, type=kind, schema=schema, requested_by="信息科 陈主任", at=submitted
            ).id,
        ),
    )
    step = submitted
    if schema:
        step = _working_moment(cal, (step + timedelta(days=rng.randint(1, 3))).date(), 15, tz)
        add(step, lambda d, at=step: changes.review(d, holder["id"], approve=True, by="信息科 黄工", at=at))
    late = rng.random() < 0.1
    step = _working_moment(cal, (step + timedelta(days=rng.randint(32, 40) if late else rng.randint(5, 25))).date(),
                           17, tz)  # fmt: skip
    add(step, lambda d, at=step: changes.implement(d, holder["id"], at=at, note="已上线"))
    apply_day = cal.working_day_after(step.date(), 10) + timedelta(days=rng.randint(0, 3))
    apply_at = _working_moment(cal, apply_day, 10, tz)
    add(apply_at, lambda d: changes.apply_acceptance(d, holder["id"], at=apply_at))
    if rng.random() < 0.85:
        accept_at = _working_moment(cal, (apply_at + timedelta(days=rng.randint(1, 5))).date(), 11, tz)
        add(accept_at, lambda d: changes.accept(d, holder["id"], by="信息科 陈主任", at=accept_at))
