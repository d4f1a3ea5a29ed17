"""Alerts over a simulated fortnight, with every service a stand-in on 127.0.0.1: a healthy WeCom robot,
one answering with WeCom's errcode for a while, a webhook that redirects (302) and one that trickles
its answer a line at a time. Counted per fault: each clock warns once and breaches once, never inside
its deadline minute, never for a fault voided by agreement, never while an agreed pause runs, and a
slow service holds neither the run nor the healthy channel beyond the whole-request deadline."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timedelta

import pytest

from opsdesk.alerts import transport
from tests.alerts.stand_ins import Robot, start_robot
from tests.conftest import TZ, at, ok, run

DEADLINE = 1.0  # seconds: the whole-request deadline, made short here


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "*")


@pytest.fixture
def robots():
    started: list[Robot] = []

    def start() -> Robot:
        robot = start_robot()
        started.append(robot)
        return robot

    yield start
    for robot in started:
        robot.server.shutdown()
        robot.server.server_close()


@pytest.fixture
def team(contract):
    ok("staff", "add", "张伟", "--role", "驻场工程师", "--phone", "13800138000", "--email", "z@x.cn", "--onsite")
    return contract


def faults_in(texts: list[str]) -> Counter:
    """How many alerts each fault had, by what they said: ``(fault, "响应超时")`` ..."""
    return Counter((int(fault), tag) for text in texts for tag, fault in re.findall(r"【(\w+?)】故障 (\d+) ", text))


def ticks(days: list[str], extra: list[datetime]) -> list[datetime]:
    """The moments cron runs `alert run`: every 20 minutes from 07:00 to 19:00 of each day, and the
    ``extra`` minutes; each a few hundred ms into its minute, as cron's runs start."""
    moments = [at(day, "07:00") + timedelta(minutes=20 * n) for day in days for n in range(37)] + extra
    return sorted(m + timedelta(milliseconds=300) for m in moments)


FORTNIGHT = [f"2026-12-{d:02d}" for d in range(7, 19)]
STEPS = [  # (when, command): each recorded at its moment, between the runs
    # Fault 1: Monday 07:37 (outside hours, response due 08:37), answered in the deadline minute, after
    # the 08:37 run: that run warns, none breaches.
    ("2026-12-07 07:38", ["fault", "open", "cdss", "知识库检索超时", "--at", "07:37"]),
    ("2026-12-07 08:37:30", ["fault", "respond", "1", "--at", "08:37"]),
    ("2026-12-07 08:50", ["fault", "arrive", "1"]),
    ("2026-12-07 11:00", ["fault", "resolve", "1", "--cause", "c", "--action", "a"]),
    # Fault 2: Monday 09:00, answered in time, fixed Tuesday: a warning for response and arrival.
    ("2026-12-07 09:00", ["fault", "open", "queue", "叫号屏黑屏", "--at", "09:00", "--owner", "张伟"]),
    ("2026-12-07 09:25", ["fault", "respond", "2"]),
    ("2026-12-07 09:55", ["fault", "arrive", "2"]),
    ("2026-12-08 10:00", ["fault", "resolve", "2", "--cause", "c", "--action", "a"]),
    # Fault 3: Tuesday 14:00, a test ticket never answered: both breach; voided by agreement Wednesday
    # 10:00, before its resolution would warn. A channel added after that gets nothing of it.
    ("2026-12-08 14:00", ["fault", "open", "bi", "测试工单", "--at", "14:00"]),
    ("2026-12-09 09:00", ["fault", "void", "3", "--reason", "测试工单"]),
    ("2026-12-09 10:00", ["confirm", "exception", "1", "--by", "信息科陈主任"]),
    # Fault 4: Thursday 09:00 (due Monday 09:00), paused by agreement Thursday 12:00 to Monday 12:00 (20
    # working hours): due Wednesday 12-16 09:00, so it warns Tuesday 17:00, 2 working hours before.
    ("2026-12-10 09:00", ["fault", "open", "avatar", "数字人播报无声音", "--at", "09:00"]),
    ("2026-12-10 09:10", ["fault", "respond", "4"]),
    ("2026-12-10 09:35", ["fault", "arrive", "4"]),
    ("2026-12-10 12:00", ["fault", "pause", "4", "--reason", "等待厂商补丁", "--at", "12:00"]),
    ("2026-12-10 12:30", ["confirm", "exception", "2", "--by", "信息科陈主任"]),
    ("2026-12-14 12:00", ["fault", "resume", "4", "--at", "12:00"]),
    ("2026-12-16 08:30", ["fault", "resolve", "4", "--cause", "c", "--action", "a"]),
    # Fault 5: Friday 17:00, due Tuesday 12-15 17:00 and not fixed: it warns at 15:00 and breaches at
    # the run of 17:01, one minute late.
    ("2026-12-11 17:00", ["fault", "open", "face", "人脸考勤终端离线", "--at", "17:00"]),
    ("2026-12-11 17:10", ["fault", "respond", "5"]),
    ("2026-12-11 17:35", ["fault", "arrive", "5"]),
]


def test_a_fortnight_of_alerts_counted_per_fault(team, robots, monkeypatch):
    monkeypatch.setattr(transport, "HTTP_DEADLINE", DEADLINE)
    group, flaky, late = robots(), robots(), robots()
    ok("alert", "add", "wecom", group.url(), "--name", "group")
    ok("alert", "add", "wecom", flaky.url(), "--name", "flaky")
    steps = [(datetime.fromisoformat(f"{when}+08:00"), args) for when, args in STEPS]
    runs = ticks(FORTNIGHT, [at("2026-12-07", "08:37"), at("2026-12-15", "17:01")])
    added = at("2026-12-09", "11:00")
    outputs = {}
    for moment, args in sorted([*steps, *((m, None) for m in runs)], key=lambda x: x[0]):
        if args is not None:
            ok(*args, now=moment)
            continue
        flaky.answer = {"errcode": 45009 if at("2026-12-08", "14:10") < moment < at("2026-12-08", "14:30") else 0}
        if moment > added and not late.posts and "late" not in outputs:
            outputs["late"] = ok("alert", "add", "wecom", late.url(), "--name", "late", now=moment)
        outputs[moment] = run("alert", "run", now=moment).stdout
    counted = faults_in(group.texts)
    assert counted == Counter(
        {
            (1, "响应预警"): 1,
            (2, "响应预警"): 1,
            (2, "到场预警"): 1,
            (3, "响应预警"): 1,
            (3, "响应超时"): 1,
            (3, "到场预警"): 1,
            (3, "到场超时"): 1,
            (4, "修复预警"): 1,
            (5, "修复预警"): 1,
            (5, "修复超时"): 1,
        }
    ), counted
    # the robot that answered errcode 45009 at 14:20 was offered each alert once too; the warning it
    # refused was no longer due at the next run (the breach was), so it stays failed, not resent
    assert faults_in(flaky.texts) == counted
    refused = [e for e in json.loads(ok("alert", "log", "--json", "--limit", "0")) if e["state"] != "sent"]
    assert [(e["channel"], e["key"], e["state"]) for e in refused] == [("flaky", "fault:3:response:warning", "failed")]
    assert faults_in(late.texts) == Counter({(4, "修复预警"): 1, (5, "修复预警"): 1, (5, "修复超时"): 1})
    assert outputs[at("2026-12-09", "10:20") + timedelta(milliseconds=300)].startswith("0 alert(s) due")
    [minute] = [t for t in group.texts if "【响应预警】故障 1 " in t]
    assert "响应时限 2026-12-07 08:37，还剩 0分钟" in minute
    [pause_warning] = [t for t in group.texts if "【修复预警】故障 4 " in t]
    assert "修复时限 2026-12-16 09:00，还剩 2小时（工作时间）" in pause_warning
    [breach] = [t for t in group.texts if "【修复超时】故障 5 " in t]
    assert "修复时限 2026-12-15 17:00，已超时 1分钟" in breach


def test_a_redirect_is_a_failure_not_a_get_recorded_as_sent(team, robots):
    moved, target = robots(), robots()
    moved.redirect = target.url("/elsewhere")
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "09:35")
    ok("alert", "add", "webhook", moved.url("/hook"), "--name", "moved")
    result = run("alert", "run")
    assert result.exit_code == 1, result.output
    assert "moved: FAILED (HTTP 302 Found: the service redirected to 127.0.0.1:" in result.stdout
    assert target.gets == [] and target.posts == []  # nothing followed
    [entry] = json.loads(ok("alert", "log", "--json"))
    assert (entry["state"], entry["sent_at"]) == ("failed", None)


def test_a_trickling_answer_fails_at_the_deadline_and_the_healthy_channel_still_gets_its_alert(
    team, robots, monkeypatch
):
    monkeypatch.setattr(transport, "HTTP_DEADLINE", DEADLINE)
    slow, healthy = robots(), robots()
    slow.trickle = 0.2  # a header line every 0.2 s, for ever: well inside any per-read timeout
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "09:35")
    ok("alert", "add", "webhook", slow.url("/slow"), "--name", "slow")
    ok("alert", "add", "wecom", healthy.url(), "--name", "healthy")
    result = run("alert", "run")
    assert result.exit_code == 1, result.output
    assert f"slow: FAILED (127.0.0.1:{slow.server.server_address[1]} did not answer in full within 1 s)" in (
        result.stdout
    )
    assert "healthy: sent 1 alert(s) in 1 message(s)" in result.stdout
    assert len(healthy.posts) == 1
    states = {e["channel"]: e["state"] for e in json.loads(ok("alert", "log", "--json"))}
    assert states == {"slow": "failed", "healthy": "sent"}


def test_the_webhook_json_names_the_fault_system_clock_deadline_and_owner(team, robots):
    hook = robots()
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "09:35", "--owner", "张伟")
    ok("alert", "add", "webhook", hook.url("/hook"), "--name", "hook")
    ok("alert", "run")
    [alert] = hook.posts[0].body["alerts"]
    assert {k: alert[k] for k in ("key", "kind", "fault_id", "system", "clock", "deadline", "owner")} == {
        "key": "fault:1:response:warning",
        "kind": "warning",
        "fault_id": 1,
        "system": "queue",
        "clock": "response",
        "deadline": "2026-12-07T10:05+08:00",
        "owner": "张伟",
    }
    assert datetime.fromisoformat(alert["deadline"]) == datetime(2026, 12, 7, 10, 5, tzinfo=TZ)
