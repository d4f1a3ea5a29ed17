"""A realistic, deterministic demo contract built through the real operations.

The same ``seed`` and ``now`` give the same store. Every record is written through
:mod:`opsdesk.desk`, so the demo's history chain is as real as a user's.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from opsdesk.contract import changes, inspections, people
from opsdesk.contract.settings import init_contract
from opsdesk.desk import Desk
from opsdesk.errors import Refused
from opsdesk.faults import corrections
from opsdesk.faults import requests as exceptions
from opsdesk.faults import tickets as faults
from opsdesk.faults.views import each_fault
from opsdesk.hospital import confirmations
from opsdesk.sla.terms import DEFAULT_TZ
from opsdesk.store.engine import PostgresStore, open_store

# Each system's faults as they happen: symptom, kind, then the cause, action and result that fit it.
STORIES = {
    "queue": [
        (
            "3号诊区叫号屏黑屏",
            "fault",
            "显示终端服务进程挂死",
            "重启显示服务并配置进程守护",
            "叫号屏恢复显示，观察30分钟无异常",
        ),
        ("叫号语音不播报", "fault", "语音合成服务内存溢出", "重启语音服务并调整内存参数", "语音播报恢复正常"),
        (
            "患者签到后不进入候诊队列",
            "defect",
            "签到接口未处理复诊标识",
            "修复签到接口逻辑并发布补丁",
            "签到后正常入队，已回归测试",
        ),
        (
            "复诊患者排序错误",
            "defect",
            "排序规则未区分预约时段",
            "修正排序规则并补充测试用例",
            "排序符合规则，门诊部确认",
        ),
        (
            "当日排班数据丢失",
            "data",
            "用户误操作删除排班数据",
            "从备份恢复当日排班数据",
            "排班数据已恢复，与科室核对一致",
        ),
    ],
    "cdss": [
        ("知识库检索超时", "fault", "数据库连接池耗尽", "扩大连接池并优化慢SQL", "检索响应恢复至1秒内"),
        (
            "用药禁忌提示未弹出",
            "defect",
            "规则引擎缓存未刷新",
            "修复缓存刷新逻辑并重新加载规则",
            "禁忌提示正常弹出，药学部确认",
        ),
        ("诊断推荐接口返回500", "fault", "HIS接口视图字段变更", "调整接口映射并回归测试", "接口调用恢复正常"),
        ("知识条目版本显示错误", "data", "知识条目导入批次重复", "清理重复批次并重建索引", "条目版本显示正确"),
    ],
    "face": [
        ("人脸考勤终端离线", "fault", "网络交换机端口故障", "协调网络组更换端口", "终端在线，考勤记录正常上传"),
        ("识别通过率骤降", "defect", "模型阈值参数被升级脚本重置", "恢复识别阈值并固化配置", "通过率恢复至98%以上"),
        ("访客登记无法拍照", "fault", "摄像头驱动与系统补丁不兼容", "回退驱动版本并暂缓该补丁", "拍照功能恢复"),
        (
            "考勤数据未同步到OA",
            "data",
            "同步任务因证书过期中断",
            "更新证书并补同步缺失数据",
            "考勤数据已补齐，人事处核对一致",
        ),
    ],
    "bi": [
        (
            "驾驶舱门诊量指标为0",
            "data",
            "ETL任务因源表字段变更失败",
            "修正抽取脚本并重跑当日ETL",
            "门诊量指标恢复，与HIS统计一致",
        ),
        ("大屏数据延迟超过1小时", "fault", "消息队列积压", "扩容消费者并清理积压消息", "数据延迟恢复至5分钟内"),
        (
            "住院床位使用率计算错误",
            "defect",
            "指标口径未剔除虚拟床位",
            "修正计算口径并重算历史数据",
            "床位使用率与医务部口径一致",
        ),
        ("报表导出失败", "fault", "磁盘空间不足", "清理历史导出文件并设置轮转", "报表导出恢复正常"),
    ],
    "avatar": [
        ("数字人导诊无响应", "fault", "渲染服务进程挂死", "重启渲染服务并配置进程守护", "导诊交互恢复正常"),
        ("形象动作卡顿", "fault", "GPU驱动版本过旧", "升级GPU驱动并调整渲染参数", "动作流畅，帧率恢复至30帧"),
        ("语音播报与口型不同步", "defect", "音频时间戳计算偏差", "修复时间戳计算并发布补丁", "口型与语音同步"),
        ("导诊问答库未更新", "data", "问答库同步任务配置错误", "修正同步配置并手工补导问答", "问答库已更新至最新版本"),
    ],
}
SYMPTOMS = {system: [story[0] for story in stories] for system, stories in STORIES.items()}
REPORTERS = [
    ("王护士", "门诊部"),
    ("李医生", "心内科"),
    ("陈主任", "信息科"),
    ("赵干事", "人事处"),
    ("刘护士长", "急诊科"),
]
CONFIRMERS = ["信息科 陈主任", "信息科 黄工"]
STAFF = [
    ("张伟", "驻场工程师", True),
    ("李娜", "驻场工程师", True),
    ("王强", "驻场工程师", True),
    ("赵敏", "项目经理", False),
]
RESIDENTS = [name for name, role, _ in STAFF if role == "驻场工程师"]  # who owns the demo's faults, in turn
LEAD = RESIDENTS[0]  # who records the contract's other work
CONTRACT_WORK = 1_000_000  # the sequence numbers of the contract's other work start here (faults below)
CHANGES = [
    ("cdss", "新增抗菌药物分级使用提醒", "perfective", True),
    ("queue", "叫号规则支持老年人优先", "perfective", False),
    ("bi", "驾驶舱接入新院区数据", "interface", True),
    ("face", "适配新版Chrome浏览器", "adaptive", False),
    ("avatar", "导诊问答库对接HIS挂号接口", "interface", False),
    ("queue", "诊区大屏适配国产操作系统", "adaptive", False),
]
WORK = [
    ("backup", "检查实时备份同步状态及备份日志"),
    ("os", "安装操作系统安全补丁"),
    ("database", "数据库统计信息收集与索引重建"),
    ("security", "漏洞扫描及弱口令检查"),
]


DEMO_NAME = "智慧医疗建设服务系统运维项目（演示）"


def is_demo_name(name: str) -> bool:
    """Whether a contract is one `opsdesk demo` built (the demo, or a `--scale` store)."""
    from opsdesk.demo.scale import SCALE_NAME_PREFIX

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
            assert isinstance(store, PostgresStore)  # a database URL opens PostgreSQL
            store.empty()
    finally:
        store.close()


def build_demo(desk: Desk, *, months: int = 3, seed: int = 1) -> dict[str, int]:
    """Create the demo contract and ``months`` of fault history up to ``desk.now``."""
    rng = random.Random(seed)
    desk.actor = LEAD  # who records: the demo's engineers, not whoever runs it
    local = ZoneInfo(DEFAULT_TZ)  # the demo contract's time zone (its terms are the defaults)
    real_now = desk.now.astimezone(local).replace(second=0, microsecond=0)
    first_day = real_now.date() - relativedelta(months=months)
    # the contract and roster are recorded first, at the first day's local midnight, before the
    # history: recorded times never go backwards (at UTC midnight, 08:00 here, a fault reported at
    # 07:21 that day came after them)
    desk.now = datetime.combine(first_day, time(0), tzinfo=local)
    contract = init_contract(
        desk,
        name=DEMO_NAME,
        hospital="广东省人民医院（演示）",
        vendor="示例信息技术有限公司",
        start=first_day,
        months=12,
    )
    del contract
    from opsdesk.contract.settings import set_report_setting

    for key, setting in (("report_prefix", "YW"), ("preparer", "张伟"), ("reviewer", "赵敏（项目经理）")):
        set_report_setting(desk, key, setting)
    cal, terms, tz = desk.calendar, desk.terms, desk.tz
    real_now = real_now.astimezone(tz)
    ops: list[tuple[datetime, int, Callable[[Desk], object]]] = []
    days = (real_now.date() - first_day).days
    count = max(20, 100 * months)
    # the service's end (a 12-month demo's is today): nothing is reported or planned after it
    service_end = datetime.combine(first_day + relativedelta(months=12), time(0), tzinfo=tz)
    for n in range(count):
        day = first_day + timedelta(days=rng.randrange(days + 1))
        reported = _report_time(rng, cal.is_working_day(day), day, tz)
        if reported > real_now - timedelta(minutes=10) or reported >= service_end:
            continue
        _plan_ticket(rng, cal, terms, reported, real_now, n, ops)
    _plan_contract_work(rng, cal, first_day, min(real_now, service_end - timedelta(minutes=1)), ops)
    for number, (name, role, onsite) in enumerate(STAFF, start=1):
        people.add_staff(
            desk, name, role=role, phone=f"138000000{number:02d}", email=f"staff{number}@example.com", onsite=onsite
        )
    ops.sort(key=lambda op: (op[0], op[1]))
    for recorded, seq, run in ops:
        desk.now = recorded
        desk.actor = RESIDENTS[seq % len(RESIDENTS)] if seq < CONTRACT_WORK else LEAD  # a fault's owner records it
        run(desk)
    desk.now, desk.actor = real_now, LEAD
    _exceptions(desk)
    from sqlmodel import col, func, select

    from opsdesk.store.models import Event, Ticket

    session = desk.session
    return {
        "tickets": session.exec(select(func.count()).select_from(Ticket)).one(),
        "open": session.exec(select(func.count()).select_from(Ticket).where(col(Ticket.resolved_at).is_(None))).one(),
        "events": session.exec(select(func.count()).select_from(Event)).one(),
    }


def _exceptions(desk: Desk) -> None:
    """A few exception requests on today's desk: a test ticket voided and an arrival waived, both
    agreed; a void the hospital refused; a pause agreed and resumed; a pause still awaiting it."""
    views = list(each_fault(desk, as_recorded=True))
    breached = [v for v in views if v.ticket.resolved_at and v.breached_as_recorded]
    late_arrival = [v for v in views if v.clocks.arrival.state == "breached" and v not in breached[:2]]
    waiting = [v for v in views if v.is_open and desk.local_now - v.ticket.reported_at > timedelta(hours=2)]
    confirmer = CONFIRMERS[0]
    if breached:
        void = exceptions.request_void(desk, breached[0].ticket.id, "演练时录入的测试工单，非真实故障")
        exceptions.decide(desk, void.id, by=confirmer, comment="同意作废")
    if len(breached) > 1:
        other = breached[1].ticket
        refused = exceptions.request_void(desk, other.id, "非合同范围内的系统（院内自建网络）")
        exceptions.decide(desk, refused.id, by=confirmer, refuse=True, comment="属于合同约定系统的故障，不同意作废")
    if late_arrival:
        waiver = exceptions.request_waiver(desk, late_arrival[0].ticket.id, "arrival", "院方同意远程处理，无需到场")
        exceptions.decide(desk, waiver.id, by=confirmer)
    if waiting:
        ticket = waiting[0].ticket
        paused = exceptions.pause(
            desk, ticket.id, "等待院方确认停机窗口", at=ticket.reported_at + timedelta(minutes=30)
        )
        exceptions.resume(desk, ticket.id, at=ticket.reported_at + timedelta(minutes=90))
        exceptions.decide(desk, paused.id, by=confirmer, comment="属实")
    if len(waiting) > 1:
        ticket = waiting[1].ticket
        exceptions.pause(desk, ticket.id, "等待第三方厂商提供补丁", at=ticket.reported_at + timedelta(minutes=40))


def _report_time(rng: random.Random, working: bool, day, tz) -> datetime:
    in_hours = working and rng.random() < 0.78
    minute = rng.randrange(8 * 60, 18 * 60) if in_hours else rng.randrange(7 * 60, 23 * 60)
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)


def _plan_ticket(rng, cal, terms, reported, now, seq, ops) -> None:
    """Decide one ticket's story and queue each step at the moment it would be recorded."""
    system = rng.choice(list(STORIES))
    symptom, kind, cause, action, result = rng.choice(STORIES[system])
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
    channel = rng.choice(["phone", "phone", "platform", "wechat", "onsite"])
    ref = f"BUG-{2400 + seq}" if channel == "platform" else None  # reported on the hospital's platform
    confirmer = rng.choice(CONFIRMERS)
    corrected = confirmed is not None and seq % 97 == 13  # now and then a confirmed record needs a correction

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
                d,
                system,
                symptom,
                kind=kind,
                at=reported,
                reporter=reporter,
                dept=dept,
                channel=channel,
                ref=ref,
                owner=RESIDENTS[seq % len(RESIDENTS)],
            ).id,
        ),
    )
    steps: list[tuple[datetime | None, Callable[[Desk], object]]] = [
        (response, lambda d: faults.respond(d, holder["id"], response))
    ]
    if arrival is not None:
        steps.append((arrival, lambda d: faults.arrive(d, holder["id"], arrival)))
    else:
        steps.append((response, lambda d: faults.remote(d, holder["id"], response)))
    steps.append(
        (resolved, lambda d: faults.resolve(d, holder["id"], cause=cause, action=action, result=result, at=resolved))
    )
    if confirmed is not None:
        steps.append(
            (confirmed, lambda d: faults.confirm(d, holder["id"], by=confirmer, comment="已核实", at=confirmed))
        )
    if corrected and confirmed is not None:
        fix = confirmed + timedelta(days=1)
        steps.append(
            (
                fix,
                lambda d: corrections.correct(
                    d,
                    holder["id"],
                    "处理过程记录不完整，按现场记录补充",
                    action=f"{action}；补充：已同步更新运维知识库",
                ),
            )
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
    seq = iter(range(CONTRACT_WORK, 2 * CONTRACT_WORK))

    # Callable[..., object]: mypy cannot infer a lambda whose defaults bind the loop's values.
    def add(moment: datetime, run: Callable[..., object]) -> None:
        if moment <= now:
            ops.append((min(moment + timedelta(minutes=rng.randint(1, 20)), now), next(seq), run))

    month = first_day.replace(day=1)
    n = 0
    while month <= now.date():
        for system in SYMPTOMS:
            day = max(month.replace(day=rng.randint(18, 26)), first_day)
            inspected = _working_moment(cal, day, 10, tz)
            if inspected.month != month.month:  # the first month's last days are off: no inspection that month
                continue
            _plan_inspection(rng, system, inspected, add)
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


# A reading for each item that takes one, as it is when the item is ok, warned, failed.
READINGS = {
    "证书与许可有效期": (lambda r: r.randint(60, 300), lambda r: r.randint(15, 29), lambda r: r.randint(0, 7)),
    "磁盘空间增长": (lambda r: r.randint(40, 75), lambda r: r.randint(81, 88), lambda r: r.randint(93, 98)),
    "表空间使用率": (lambda r: r.randint(50, 80), lambda r: r.randint(86, 91), lambda r: r.randint(95, 99)),
    "备份成功情况": (lambda r: "30/30", lambda r: "29/30", lambda r: "26/30"),
    "无效对象": (lambda r: 0, lambda r: r.randint(1, 3), lambda r: r.randint(10, 20)),
    "慢SQL": (lambda r: 0, lambda r: r.randint(2, 5), lambda r: r.randint(12, 30)),
    "会话数": (lambda r: r.randint(150, 350), lambda r: r.randint(405, 470), lambda r: r.randint(490, 500)),
}
FINDINGS = {  # item: (what a warning looks like, what a failure looks like, the remedy)
    "服务与进程状态": ("后台任务进程本月自动重启2次", "调度服务进程挂死", "排查进程日志，配置进程守护与告警"),
    "与HIS等系统接口": ("接口偶发超时（日均3次）", "接口调用失败，消息积压", "优化接口超时重试并与HIS厂商联调"),
    "证书与许可有效期": ("SSL证书即将到期", "SSL证书已过期", "申请并更换SSL证书"),
    "应用错误日志": ("存在未处理的错误日志", "大量空指针异常", "分析错误日志并修复对应缺陷"),
    "磁盘空间增长": ("磁盘使用率超过阈值", "磁盘空间即将耗尽", "清理历史日志并扩容磁盘"),
    "实例与监听状态": ("监听日志有重连记录", "监听异常中断", "检查监听配置并调整会话超时"),
    "表空间使用率": ("表空间使用率超过阈值", "表空间即将耗尽", "扩容数据文件并归档历史数据"),
    "备份成功情况": ("本月有1次备份失败", "本月多次备份失败", "排查备份作业并补做全量备份"),
    "恢复测试": ("恢复耗时超出预期", "恢复测试失败", "优化恢复脚本并重新演练"),
    "告警日志错误": ("出现ORA-01555快照过旧告警", "出现ORA-00600内部错误", "调整UNDO保留时间并跟踪告警"),
    "无效对象": ("新增少量无效对象", "大量对象失效", "重新编译无效对象并核查变更"),
    "慢SQL": ("存在超过阈值的慢SQL", "慢SQL导致业务卡顿", "优化慢SQL并补充索引"),
    "会话数": ("会话数接近上限", "会话数达到上限", "排查连接泄漏并调整会话上限"),
}


def _plan_inspection(rng, system: str, at: datetime, add) -> None:
    """One system's monthly inspection: readings that fit the verdicts, a risk for each flagged item
    (graded by it), its remedy carried out, the hospital's confirmations."""
    holder: dict[str, int] = {}
    results = []
    for item in inspections.DEFAULT_TEMPLATE:
        roll = rng.random()
        verdict = "fail" if roll < 0.015 else ("warn" if roll < 0.07 else "ok")
        n = ("ok", "warn", "fail").index(verdict)
        reading = str(READINGS[item["item"]][n](rng)) if item["item"] in READINGS else ""
        finding = "正常" if verdict == "ok" else FINDINGS[item["item"]][n - 1]
        note = "" if verdict == "ok" else "已登记风险，按整改方案处置"
        results.append({"item": item["item"], "verdict": verdict, "reading": reading, "result": finding, "note": note})
    add(at, lambda d: holder.setdefault("id", inspections.record(d, system, results, at=at, inspector="张伟").id))
    for number, flagged in enumerate(r for r in results if r["verdict"] != "ok"):
        risk_at = at + timedelta(minutes=30 + number)
        done_at = risk_at + timedelta(days=rng.randint(2, 9))
        risk: dict[str, int] = {}
        add(
            risk_at,
            lambda d, f=flagged, h=risk, due=done_at.date(): h.setdefault(
                "id",
                inspections.add_risk(
                    d,
                    holder["id"],
                    f"{f['item']}：{f['result']}",
                    level=None,
                    item=f["item"],
                    remedy=FINDINGS[f["item"]][2],
                    owner="张伟",
                    due=due,
                ).id,
            ),
        )
        add(
            done_at, lambda d, h=risk, a=done_at: inspections.risk_done(d, h["id"], at=a, note="已按方案处置，复查正常")
        )
        if rng.random() < 0.7:
            agreed = done_at + timedelta(days=2)
            add(
                agreed,
                lambda d, h=risk, a=agreed: confirmations.confirm(d, "risk", h["id"], by=rng.choice(CONFIRMERS), at=a),
            )
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
    step = _working_moment(
        cal, (step + timedelta(days=rng.randint(32, 40) if late else rng.randint(5, 25))).date(), 17, tz
    )
    add(step, lambda d, at=step: changes.implement(d, holder["id"], at=at, note="已上线"))
    apply_day = cal.working_day_after(step.date(), 10) + timedelta(days=rng.randint(0, 3))
    apply_at = _working_moment(cal, apply_day, 10, tz)
    add(apply_at, lambda d: changes.apply_acceptance(d, holder["id"], at=apply_at))
    if rng.random() < 0.85:
        accept_at = _working_moment(cal, (apply_at + timedelta(days=rng.randint(1, 5))).date(), 11, tz)
        add(accept_at, lambda d: changes.accept(d, holder["id"], by="信息科 陈主任", at=accept_at))
