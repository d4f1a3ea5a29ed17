"""Alerts to the team's group chat and e-mail: what is due, sent exactly once per channel,
retried while a service is down, never writing to the contract's records. Every service is a
stand-in on 127.0.0.1 (tests/alerts/stand_ins.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from datetime import timedelta

import pytest

from tests.alerts.stand_ins import start_robot, start_smtp
from tests.conftest import NOW, app, at, connect, ok, refused, run, runner

LATER = NOW + timedelta(minutes=1)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """The stand-ins are local: no proxy of the machine's may stand between."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "*")


@pytest.fixture
def robot():
    robot = start_robot()
    yield robot
    robot.server.shutdown()
    robot.server.server_close()


@pytest.fixture
def mailbox():
    box = start_smtp()
    yield box
    box.server.shutdown()
    box.server.server_close()


@pytest.fixture
def team(contract):
    ok(
        "staff",
        "add",
        "张伟",
        "--role",
        "驻场工程师",
        "--phone",
        "138 0013 8000",
        "--email",
        "zw@example.com",
        "--onsite",
    )
    return contract


def contract_rows(db) -> dict[str, list]:
    """Every row of every contract table (the alert tables aside)."""
    from opsdesk.store.migrations import OPSDESK_TABLES

    conn = connect(db)
    try:
        return {
            t: [tuple(r) for r in conn.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall()]
            for t in sorted(OPSDESK_TABLES)
            if not t.startswith("alert_") and t != "schema_migrations"
        }
    finally:
        conn.close()


def log(*options: str) -> list[dict]:
    return json.loads(ok("alert", "log", "--json", *options))


# -- what is due, sent once, retried ------------------------------------------------------------


def test_a_response_warning_is_sent_once(team, robot):
    ok("fault", "open", "queue", "3号诊区叫号屏黑屏", "--at", "09:35", "--owner", "张伟")  # response due 10:05
    ok("alert", "add", "wecom", robot.url(), "--name", "ops")
    before = contract_rows(team)

    assert ok("alert", "run", now=NOW) == "1 alert(s) due\n  ops: sent 1 alert(s) in 1 message(s)\n"
    assert len(robot.posts) == 1
    sent = robot.posts[0].body
    assert sent["msgtype"] == "text"
    assert sent["text"]["content"] == (
        "【响应预警】故障 1 · queue 智能候诊信息系统\n症状：3号诊区叫号屏黑屏\n"
        "响应时限 2026-12-07 10:05，还剩 5分钟\n负责人：张伟"
    )
    assert sent["text"]["mentioned_mobile_list"] == ["13800138000"]

    assert ok("alert", "run", now=LATER) == "1 alert(s) due\n  ops: nothing new\n"
    assert len(robot.posts) == 1
    [entry] = log()
    assert (entry["channel"], entry["key"], entry["state"], entry["attempts"]) == (
        "ops",
        "fault:1:response:warning",
        "sent",
        1,
    )
    assert entry["sent_at"] == "2026-12-07T10:00:00+08:00"
    assert contract_rows(team) == before  # an alert run writes nothing of the contract's
    assert ok("verify").startswith("History verified")


def test_a_service_answering_500_is_retried_and_nothing_recorded_as_sent(team, robot):
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "09:35")
    ok("alert", "add", "wecom", robot.url(), "--name", "ops")
    robot.status = 500
    result = run("alert", "run", now=NOW)
    assert result.exit_code == 1, result.output
    assert result.stdout == (
        "1 alert(s) due\n  ops: FAILED (HTTP 500 Internal Server Error); 1 alert(s) will be retried by the next run\n"
    )
    assert result.stderr == (
        "Error: a channel did not take its alerts; they are retried by the next run (`opsdesk alert log --failing`)\n"
    )
    [entry] = log("--failing")
    assert (entry["state"], entry["sent_at"], entry["error"]) == ("failed", None, "HTTP 500 Internal Server Error")

    robot.status = 200
    robot.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}  # WeCom's refusal comes with HTTP 200
    assert run("alert", "run", now=LATER).exit_code == 1
    assert log()[0]["error"] == "the robot answered errcode 93000: invalid webhook url"

    robot.answer = {"errcode": 0, "errmsg": "ok"}
    assert ok("alert", "run", now=LATER + timedelta(minutes=1)).endswith("ops: sent 1 alert(s) in 1 message(s)\n")
    assert ok("alert", "run", now=LATER + timedelta(minutes=2)).endswith("ops: nothing new\n")
    assert len(robot.posts) == 3  # refused twice, accepted once, then nothing more
    [entry] = log()
    assert (entry["state"], entry["attempts"], entry["error"]) == ("sent", 3, None)
    assert log("--failing") == []


def test_a_channel_that_cannot_be_reached_is_retried(team, robot):
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "09:35")
    port = robot.server.server_address[1]
    robot.server.shutdown()
    robot.server.server_close()  # nothing listens there now
    ok("alert", "add", "webhook", f"http://127.0.0.1:{port}/hook", "--name", "hook")
    result = run("alert", "run", now=NOW)
    assert result.exit_code == 1
    assert f"hook: FAILED (cannot reach 127.0.0.1:{port}: connection refused)" in result.stdout
    assert log()[0]["state"] == "failed"


def test_a_removed_channels_unsent_alerts_are_dropped_not_failing(team, robot):
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "09:35")
    ok("fault", "open", "cdss", "知识库打不开", "--at", "09:36")
    ok("alert", "add", "webhook", robot.url("/hook"), "--name", "ops")
    gone = start_robot()
    gone.server.shutdown()
    gone.server.server_close()  # nothing listens there now
    ok("alert", "add", "webhook", gone.url("/x"), "--name", "wh")
    assert run("alert", "run", now=NOW).exit_code == 1  # wh cannot be reached
    assert [(e["channel"], e["state"]) for e in log("--failing")] == [("wh", "failed")] * 2
    assert ok("alert", "remove", "wh") == (
        "Removed alert channel wh (webhook); 2 alert(s) it had not taken are dropped (not retried)\n"
    )
    assert log("--failing") == []
    assert ok("alert", "log", "--failing").splitlines() == [
        "# 0 alert(s)",
        "tried\tchannel\tstate\ttries\tsent\talert\terror",
        "Not shown: 2 alert(s) dropped with a removed channel, never retried (`opsdesk alert log`)",
    ]
    assert (
        sorted((e["channel"], e["state"]) for e in log()) == [("ops", "sent")] * 2 + [("wh (removed)", "dropped")] * 2
    )
    assert "dropped: not taken by a channel since removed; no run retries it" in ok("alert", "log")
    assert ok("alert", "run", now=LATER).endswith("ops: nothing new\n")  # nothing retried to wh
    assert ok("alert", "remove", "ops") == "Removed alert channel ops (webhook)\n"


def test_a_webhook_url_with_a_login_is_sent_with_basic_auth(team, robot):
    """The login in ``http://user:password@host/...`` goes into an Authorization header; urllib
    alone took ``user:password@host`` for a host name and never sent ("name or service not known")."""
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "09:35")
    port = robot.server.server_address[1]
    ok("alert", "add", "webhook", f"http://ops%40desk:hunter2%3A@127.0.0.1:{port}/basic", "--name", "ba")
    assert ok("alert", "test", "ba") == "ba (webhook) took the test message\n"
    assert ok("alert", "run", now=NOW).endswith("ba: sent 1 alert(s) in 1 message(s)\n")
    assert [(p.path, p.authorization) for p in robot.posts] == [
        ("/basic", "Basic " + base64.b64encode(b"ops@desk:hunter2:").decode())
    ] * 2
    assert log()[0]["state"] == "sent"


def test_a_webhook_with_a_bad_port_is_refused_when_added(contract):
    refused(
        ["alert", "add", "webhook", "http://u:p@127.0.0.1:99999/x"],
        "'http://u:***@127.0.0.1:99999/x' has no valid port (1 to 65535); give the webhook URL, https://...",
        contract,
        code=2,
    )


def test_a_run_killed_while_sending_sends_nothing_twice(team, robot, monkeypatch):
    """Killed after the service took the message but before the run recorded it: the alert stays
    claimed, so no later run sends it again; the log says it was interrupted."""
    import opsdesk.alerts.runs as runs

    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "09:35")
    ok("alert", "add", "wecom", robot.url(), "--name", "ops")
    real = runs.deliver

    def delivered_then_killed(*args, **kwargs):
        real(*args, **kwargs)
        raise SystemExit(-9)

    monkeypatch.setattr(runs, "deliver", delivered_then_killed)
    assert run("alert", "run", now=NOW).exit_code != 0
    monkeypatch.setattr(runs, "deliver", real)
    assert len(robot.posts) == 1
    assert ok("alert", "run", now=LATER).endswith("ops: nothing new\n")
    assert len(robot.posts) == 1
    assert log()[0]["state"] == "sending"
    result = run("alert", "log", now=NOW + timedelta(minutes=5))
    assert "\tops\tinterrupted\t1\t" in result.stdout
    assert "interrupted: the run was stopped while sending; not sent again, as the service may have it" in result.stdout


def test_the_dingtalk_signature(team, robot):
    """DingTalk's 加签: base64(HMAC-SHA256(key=secret, timestamp + "\\n" + secret)), URL-encoded."""
    from opsdesk.alerts.transport import dingtalk_sign

    # a known vector, computed with `openssl dgst -sha256 -hmac SECRET -binary | base64`
    assert dingtalk_sign("SECopsdesk-test-secret", 1700000000000) == "Xq5ACgdt5zFy4o4gWssVnLv0uR7h4ctNe8D6Jl2q9Xs%3D"

    secret = "SEC3f5b2d1c0e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c"
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "09:35", "--owner", "张伟")
    ok("alert", "add", "dingtalk", robot.url("/robot/send?access_token=abcdef0123456789"), "--secret", secret)
    ok("alert", "run", now=NOW)
    [post] = robot.posts
    assert post.query["access_token"] == "abcdef0123456789"
    timestamp = post.query["timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sent_sign = dict(part.split("=", 1) for part in post.raw_query.split("&"))["sign"]
    assert sent_sign == urllib.parse.quote_plus(base64.b64encode(expected).decode())
    assert post.body["at"] == {"atMobiles": ["13800138000"], "isAtAll": False}
    assert post.body["text"]["content"].endswith("负责人：张伟\n@13800138000")  # DingTalk needs the @ in the text


def test_an_email_arrives_with_a_subject_naming_the_fault(team, mailbox, monkeypatch):
    monkeypatch.setenv("OPS_SMTP_PW", "s3cret-pw")
    ok("fault", "open", "queue", "3号诊区叫号屏黑屏", "--at", "09:35")
    ok(
        "alert",
        "add",
        "email",
        "ops@example.com",
        "--smtp",
        f"127.0.0.1:{mailbox.port}",
        "--user",
        "zw@example.com",
        "--password-env",
        "OPS_SMTP_PW",
    )
    assert ok("alert", "run", now=NOW).endswith("email: sent 1 alert(s) in 1 message(s)\n")
    [mail] = mailbox.mails
    assert mail["Subject"] == "【响应预警】故障 1 queue 3号诊区叫号屏黑屏 · 响应时限 12-07 10:05"
    assert (mail["To"], mail["From"]) == ("ops@example.com", "zw@example.com")
    assert "响应时限 2026-12-07 10:05，还剩 5分钟" in mail.get_content()
    assert mailbox.logins == [("zw@example.com", "s3cret-pw")]
    assert "s3cret-pw" not in ok("alert", "list") + ok("alert", "list", "--json")

    monkeypatch.delenv("OPS_SMTP_PW")
    ok("fault", "open", "cdss", "知识库检索慢", "--at", "09:35")
    result = run("alert", "run", now=LATER)
    assert "email: FAILED ($OPS_SMTP_PW (the SMTP password of email) is not set)" in result.stdout


def test_a_resolution_warning_counts_working_time(team, robot):
    """2 working hours before a resolution due Monday 09:00 is Friday 17:00, not Monday 07:00."""
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-12-03 09:00", now=at("2026-12-03", "09:01"))
    ok("fault", "respond", "1", "--at", "2026-12-03 09:05", now=at("2026-12-03", "09:06"))
    ok("fault", "arrive", "1", "--at", "2026-12-03 09:30", now=at("2026-12-03", "09:31"))
    assert json.loads(ok("fault", "show", "1", "--json"))["clocks"]["resolution"]["deadline"] == (
        "2026-12-07T09:00:00+08:00"
    )
    ok("alert", "add", "wecom", robot.url())
    assert ok("alert", "run", now=at("2026-12-04", "16:59")).startswith("0 alert(s) due")
    ok("alert", "run", now=at("2026-12-04", "17:00"))
    assert robot.texts == [
        "【修复预警】故障 1 · queue 智能候诊信息系统\n症状：叫号屏黑屏\n"
        "修复时限 2026-12-07 09:00，还剩 2小时（工作时间）\n负责人：未指派（opsdesk fault assign）"
    ]


def test_a_cron_run_inside_the_deadline_minute_sends_no_breach(team, robot):
    """Response due 08:37 (reported 07:37, outside hours). A run at 08:37:00.3 still warns (a response
    in that minute is met); the breach goes at 08:38, saying one minute."""
    into = timedelta(milliseconds=300)
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "07:37", now=at("2026-12-07", "07:38"))
    ok("alert", "add", "wecom", robot.url())
    ok("alert", "run", now=at("2026-12-07", "08:37") + into)
    assert [t.splitlines()[0] for t in robot.texts] == ["【响应预警】故障 1 · queue 智能候诊信息系统"]
    assert "响应时限 2026-12-07 08:37，还剩 0分钟" in robot.texts[0]
    ok("alert", "run", now=at("2026-12-07", "08:38") + into)
    assert robot.texts[1].startswith("【响应超时】故障 1 ")
    assert "响应时限 2026-12-07 08:37，已超时 1分钟" in robot.texts[1]


def test_a_resolution_warning_waits_for_the_working_time_an_agreed_pause_held(team, robot):
    """Reported Monday 09:00, due Wednesday 09:00; paused by agreement 10:00-13:00 (3 working hours), so
    due Wednesday 12:00: the 2-hour warning goes Wednesday 10:00 (not Tuesday 17:00, 5 hours early), and
    while a pause runs no warning goes at all."""
    day = "2026-12-07"
    ok("fault", "open", "cdss", "知识库检索超时", "--at", f"{day} 09:00", now=at(day, "09:00"))
    ok("fault", "respond", "1", "--at", f"{day} 09:05", now=at(day, "09:05"))
    ok("fault", "arrive", "1", "--at", f"{day} 09:30", now=at(day, "09:30"))
    ok("fault", "pause", "1", "--reason", "等待厂商补丁", "--at", f"{day} 10:00", now=at(day, "10:00"))
    ok("confirm", "exception", "1", "--by", "信息科陈主任", now=at(day, "10:01"))
    ok("alert", "add", "wecom", robot.url())
    ok("alert", "run", now=at(day, "10:02"))  # the request awaiting the hospital is answered: nothing due
    ok("fault", "resume", "1", "--at", f"{day} 13:00", now=at(day, "13:00"))
    for moment in (at("2026-12-08", "17:00"), at("2026-12-09", "09:00"), at("2026-12-09", "09:59")):
        assert ok("alert", "run", now=moment).startswith("0 alert(s) due"), moment
    assert robot.posts == []
    ok("alert", "run", now=at("2026-12-09", "10:00"))
    assert "修复时限 2026-12-09 12:00，还剩 2小时（工作时间）" in robot.texts[0]


def test_a_breach_alert_counts_working_time_in_working_days(team, robot):
    """Reported Monday 2026-11-02 09:00, due Wednesday 11-04 09:00; on Monday 12-07 10:00 it is 23 working
    days 1 hour late (as `fault show` says), never 24-hour days."""
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-11-02 09:00", now=at("2026-11-02", "09:00"))
    ok("fault", "respond", "1", "--at", "2026-11-02 09:05", now=at("2026-11-02", "09:05"))
    ok("fault", "arrive", "1", "--at", "2026-11-02 09:30", now=at("2026-11-02", "09:30"))
    ok("alert", "add", "wecom", robot.url())
    ok("alert", "run")
    assert "修复时限 2026-11-04 09:00，已超时 23个工作日1小时\n" in robot.texts[0]
    assert "OVERDUE after 周三 11-04 09:00 (23 working days 1h00m)" in ok("fault", "show", "1")


def _friday_evening_defect(day: str, robot) -> None:
    ok("fault", "open", "queue", "叫号屏黑屏", "--kind", "defect", "--at", f"{day} 19:00", now=at(day, "19:01"))
    ok("fault", "respond", "1", "--at", f"{day} 19:05", now=at(day, "19:06"))
    ok("fault", "arrive", "1", "--at", f"{day} 19:50", now=at(day, "19:51"))
    ok("alert", "add", "wecom", robot.url())


def test_a_friday_evening_resolution_warning_waits_for_the_next_working_morning(team, robot):
    """A defect reported Friday 19:00 is due Monday 18:00 (one working day). With the warning set
    to a whole working day before, it falls on Friday evening, outside working hours: it is sent at
    the next working minute, Monday 08:00, never over the weekend."""
    _friday_evening_defect("2026-12-04", robot)
    ok("alert", "set", "resolution", "10h")
    for moment in (
        at("2026-12-04", "19:30"),
        at("2026-12-05", "10:00"),
        at("2026-12-06", "20:00"),
        at("2026-12-07", "07:59"),
    ):
        assert ok("alert", "run", now=moment).startswith("0 alert(s) due"), moment
    assert robot.posts == []
    ok("alert", "run", now=at("2026-12-07", "08:00"))
    assert robot.texts[0].startswith("【修复预警】故障 1 ")
    assert "修复时限 2026-12-07 18:00，还剩 1个工作日\n" in robot.texts[0]


def test_with_the_default_threshold_a_friday_evening_defect_warns_monday_afternoon(team, robot):
    _friday_evening_defect("2026-12-04", robot)
    for moment in (at("2026-12-05", "16:00"), at("2026-12-06", "16:00"), at("2026-12-07", "15:59")):
        assert ok("alert", "run", now=moment).startswith("0 alert(s) due"), moment
    ok("alert", "run", now=at("2026-12-07", "16:00"))
    assert "修复时限 2026-12-07 18:00，还剩 2小时（工作时间）" in robot.texts[0]


def test_around_a_swapped_working_saturday_the_warning_follows_the_calendar(team, robot):
    """2026-10-10 is a Saturday worked in exchange for the National Day holidays (调休上班): a defect
    reported Friday 2026-10-09 17:00 is due that Saturday 17:00 and warned at 15:00; the same
    defect a week later waits for Monday."""
    day = "2026-10-09"
    ok("fault", "open", "queue", "叫号屏黑屏", "--kind", "defect", "--at", f"{day} 17:00", now=at(day, "17:01"))
    ok("fault", "respond", "1", "--at", f"{day} 17:05", now=at(day, "17:06"))
    ok("fault", "arrive", "1", "--at", f"{day} 17:30", now=at(day, "17:31"))
    ok("fault", "open", "cdss", "检索慢", "--kind", "defect", "--at", "2026-10-16 17:00", now=at("2026-10-16", "17:01"))
    ok("fault", "respond", "2", "--at", "2026-10-16 17:05", now=at("2026-10-16", "17:06"))
    ok("fault", "arrive", "2", "--at", "2026-10-16 17:30", now=at("2026-10-16", "17:31"))
    ok("alert", "add", "wecom", robot.url())
    assert ok("alert", "run", now=at("2026-10-10", "14:59")).startswith("0 alert(s) due")
    ok("alert", "run", now=at("2026-10-10", "15:00"))
    assert "修复时限 2026-10-10 17:00，还剩 2小时（工作时间）" in robot.texts[0]
    ok(
        "fault",
        "resolve",
        "1",
        "--cause",
        "c",
        "--action",
        "a",
        "--at",
        "2026-10-10 16:00",
        now=at("2026-10-10", "16:01"),
    )
    assert ok("alert", "run", now=at("2026-10-17", "15:00")).startswith("0 alert(s) due")
    ok("alert", "run", now=at("2026-10-19", "15:00"))
    assert robot.texts[1].startswith("【修复预警】故障 2 · cdss")


# -- what is due, and how it is packed ----------------------------------------------------------


def test_many_alerts_are_packed_within_wecoms_limits_and_none_dropped(team, robot):
    """40 overdue faults, three clocks each: 120 breach alerts in texts of at most 2,048 bytes, at
    most 10 messages a run (a robot takes 20 a minute); the rest go with the next run."""
    for n in range(40):
        ok(
            "fault",
            "open",
            "queue",
            f"叫号屏黑屏 第{n + 1}诊区，候诊患者无法看到叫号信息",
            "--at",
            "2026-12-01 09:00",
            now=at("2026-12-01", "09:01"),
        )
    ok("alert", "add", "wecom", robot.url())
    first = ok("alert", "run", now=NOW)
    assert first.startswith("120 alert(s) due\n  wecom: sent ")
    assert len(robot.posts) == 10
    assert all(len(text.encode()) <= 2048 for text in robot.texts)
    ok("alert", "run", now=LATER)
    assert ok("alert", "run", now=LATER + timedelta(minutes=1)).endswith("wecom: nothing new\n")
    keys = [key for text in robot.texts for key in text.split("\n\n")]
    assert len(keys) == 120  # every alert once
    assert sorted(e["key"] for e in log("--limit", "0")) == sorted(
        f"fault:{n}:{clock}:breach" for n in range(1, 41) for clock in ("response", "arrival", "resolution")
    )


def test_owed_inspections_in_the_last_five_working_days(team, robot, tmp_path):
    from tests.contract.test_records import ALL_ITEMS, results_csv

    ok(
        "inspect",
        "queue",
        "--from-file",
        results_csv(tmp_path, ALL_ITEMS),
        "--at",
        "2026-12-03 10:00",
        now=at("2026-12-03", "10:05"),
    )
    ok("alert", "add", "wecom", robot.url())
    assert ok("alert", "run", now=at("2026-12-24", "10:00")).startswith("0 alert(s) due")  # 6 working days left
    assert ok("alert", "run", now=at("2026-12-25", "10:00")).startswith("4 alert(s) due")
    [text] = robot.texts  # four alerts, one message
    assert text.split("\n\n")[0] == (
        "【巡检待做】cdss 临床决策支持及知识库 本月（2026-12）尚未巡检；本月还剩 5 个工作日（opsdesk inspect cdss）"
    )
    assert "queue" not in text
    assert ok("alert", "run", now=at("2026-12-28", "10:00")).endswith("wecom: nothing new\n")


def test_a_risk_past_its_due_date(team, robot, tmp_path):
    from tests.contract.test_records import ALL_ITEMS, results_csv

    ok(
        "inspect",
        "queue",
        "--from-file",
        results_csv(tmp_path, ALL_ITEMS),
        "--at",
        "2026-12-01 10:00",
        now=at("2026-12-01", "10:05"),
    )
    ok(
        "inspect",
        "risk",
        "1",
        "表空间使用率88%",
        "--level",
        "medium",
        "--remedy",
        "扩容数据文件",
        "--owner",
        "张伟",
        "--due",
        "2026-12-05",
        now=at("2026-12-01", "10:10"),
    )
    ok(
        "inspect",
        "risk",
        "1",
        "归档日志未清理",
        "--level",
        "low",
        "--remedy",
        "加定时清理",
        "--due",
        "2026-12-07",
        now=at("2026-12-01", "10:10"),
    )
    ok("alert", "add", "wecom", robot.url())
    assert ok("alert", "run", now=NOW).startswith("1 alert(s) due")  # the second is due today: not past it
    assert robot.texts == [
        "【风险逾期】巡检 1（2026-12）· queue 智能候诊信息系统\n风险：表空间使用率88%（中）\n"
        "解决方案：扩容数据文件\n整改期限 2026-12-05，已逾期 2 天，尚未落实（opsdesk inspect risk-done 1）\n"
        "负责人：张伟"
    ]
    assert robot.posts[0].body["text"]["mentioned_mobile_list"] == ["13800138000"]


def test_the_morning_digest_once_a_day(team, robot):
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-12-01 09:00", now=at("2026-12-01", "09:01"))
    ok("fault", "open", "cdss", "检索慢", "--at", "08:00")
    ok("alert", "add", "wecom", robot.url())
    morning = at("2026-12-07", "08:30")
    assert ok("alert", "digest", now=morning) == "1 alert(s) due\n  wecom: sent 1 alert(s) in 1 message(s)\n"
    assert robot.texts == [
        "【每日概况】2026-12-07 周一 · 智慧医疗运维\n未关闭故障 2（其中已超时 1）\n"
        "本月（2026-12）违约工单 1\n本月未巡检：queue, cdss, face, bi, avatar\n今日驻场 1 人（少于 2 人）"
    ]
    assert ok("alert", "digest", now=morning + timedelta(minutes=5)).endswith("wecom: nothing new\n")
    assert len(robot.posts) == 1
    assert ok("alert", "digest", "--dry-run", now=morning + timedelta(days=1)).endswith("1 message(s) to send\n")
    assert len(robot.posts) == 1 and len(log()) == 1  # a dry run sends and records nothing


def test_alert_test_says_whether_the_service_took_it(team, robot):
    ok("alert", "add", "webhook", robot.url("/hook"), "--name", "hook")
    assert ok("alert", "test", "hook") == "hook (webhook) took the test message\n"
    body = robot.posts[0].body
    assert body["source"] == "opsdesk" and body["alerts"][0]["key"] == "test"
    assert body["text"] == "【测试】opsdesk 提醒通道 hook 可用（智慧医疗运维，2026-12-07 10:00）"
    robot.status = 502
    refused(["alert", "test", "hook"], "hook did not take the test message: HTTP 502 Bad Gateway", team)
    assert log() == []


# -- channels: kept, listed with their secrets hidden, refused when wrong -------------------------


WECOM_KEY = "693a91f6-7aoc-4bc4-97a0-0ec2sifa5aaa"


def test_alert_list_never_prints_a_key_secret_or_password_in_full(team, robot):
    ok("alert", "add", "wecom", f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}", "--name", "ops")
    ok(
        "alert",
        "add",
        "dingtalk",
        "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123",
        "--secret",
        "SEC0123456789abcdef0123456789",
    )
    ok("alert", "add", "webhook", "https://user:hunter2@hooks.example.com/services/T0001/B0002/XyZ123456789abcdefgh")
    result = runner.invoke(
        app,
        ["alert", "add", "email", "ops@example.com", "--smtp", "smtp.example.com:587", "--user", "zw", "--starttls"],
        input="pw-typed-at-the-prompt\n",
    )
    assert result.exit_code == 0, result.output
    assert "SMTP password for zw:" in result.output and "pw-typed-at-the-prompt" not in result.output
    shown = ok("alert", "list") + ok("alert", "list", "--json")
    for secret in (
        WECOM_KEY,
        "0123456789abcdef0123",
        "SEC0123456789abcdef0123456789",
        "hunter2",
        "XyZ123456789abcdefgh",
        "pw-typed-at-the-prompt",
    ):
        assert secret not in shown
    assert "https://qyapi.weixin.qq.com/cgi-bin/***/***?key=***" in shown
    assert "https://user:***@hooks.example.com/services/***/***/***" in shown
    assert "via smtp.example.com:587, STARTTLS, user zw, password pw-***" in shown
    channels = json.loads(ok("alert", "list", "--json"))["channels"]
    assert [c["name"] for c in channels] == ["ops", "dingtalk", "webhook", "email"]

    ok("alert", "remove", "dingtalk")
    assert [c["name"] for c in json.loads(ok("alert", "list", "--json"))["channels"]] == ["ops", "webhook", "email"]
    ok("alert", "add", "dingtalk", robot.url("/robot/send?access_token=x"))  # the name is free again


SLACK = "https://hooks.slack.com/services/TABCDEFGH/BABCDEFGH/abcdefghijklmnopqrstuvwx"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (SLACK, "https://hooks.slack.com/services/***/***/***"),  # short keys, no digits: shown in full before
        ("https://hooks.example.com/hook?code=Ab12Cd34", "https://hooks.example.com/hook?code=***"),
        ("https://discord.com/api/webhooks/1234/tok", "https://discord.com/api/***/***/***"),
        ("https://hooks.example.com:8443/in/?Ab12Cd34&v=2#frag", "https://hooks.example.com:8443/in/?***&v=***#***"),
        ("https://Ab12Cd34Ef56Gh78Ij@hooks.example.com/opsdesk", "https://***@hooks.example.com/opsdesk"),
        ("https://hooks.example.com/0123456789abcdefXYZ", "https://hooks.example.com/***"),
        ("https://hooks.example.internal/opsdesk", "https://hooks.example.internal/opsdesk"),
    ],
)
def test_add_and_list_show_the_host_and_first_path_segment_only(team, url, shown):
    assert ok("alert", "add", "webhook", url, "--name", "wh") == (
        f"Added alert channel wh (webhook): {shown}\n  try it: opsdesk alert test wh\n"
    )
    assert json.loads(ok("alert", "list", "--json"))["channels"][0]["target"] == shown
    assert f"\t{shown}\t" in ok("alert", "list")


def test_the_smtp_password_from_the_environment_is_kept_not_shown(team, mailbox):
    result = run(
        "alert",
        "add",
        "email",
        "ops@example.com",
        "--smtp",
        f"127.0.0.1:{mailbox.port}",
        "--user",
        "zw",
        env={"OPSDESK_SMTP_PASSWORD": "from-env-pw"},
    )
    assert result.exit_code == 0, result.output
    assert ok("alert", "test", "email") == "email (email) took the test message\n"
    assert mailbox.logins == [("zw", "from-env-pw")]
    assert mailbox.mails[0]["Subject"] == "【测试】opsdesk 提醒通道 email"


def test_thresholds_are_settings(team, robot):
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "09:40")  # response due 10:10: 10 min left at 10:00
    ok("alert", "add", "wecom", robot.url())
    assert ok("alert", "run", "--dry-run", now=NOW).startswith("1 alert(s) due")
    assert ok("alert", "set", "response", "5m") == "Alert response set to 5m\n"
    assert ok("alert", "run", "--dry-run", now=NOW).startswith("0 alert(s) due")
    ok("alert", "set", "arrival", "1h")
    ok("alert", "set", "inspection-days", "3")
    assert json.loads(ok("alert", "list", "--json"))["thresholds"] == {
        "response_minutes": 5,
        "arrival_minutes": 60,
        "resolution_working_minutes": 120,
        "inspection_days": 3,
    }
    planned = json.loads(ok("alert", "run", "--dry-run", "--json", now=NOW))
    assert planned["due"] == [
        {
            "key": "fault:1:arrival:warning",
            "kind": "warning",
            "subject": "【到场预警】故障 1 queue 叫号屏黑屏 · 到场时限 12-07 10:40",
        }
    ]
    assert planned["channels"] == [
        {"channel": "wecom", "kind": "wecom", "sent": 0, "messages": 1, "failed": 0, "waiting": 0, "error": None}
    ]
    assert ok("alert", "run", now=NOW).startswith("1 alert(s) due")
    assert robot.texts[0].startswith("【到场预警】故障 1 ")


URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["alert", "add", "sms", URL], "unknown channel kind 'sms'; use one of wecom, dingtalk, webhook, email", 2),
        (
            ["alert", "add", "wecom", "qyapi.weixin.qq.com/x"],
            "'qyapi.weixin.qq.com/x' is not a web address; give the WeCom group robot's webhook URL, https://...",
            2,
        ),
        (
            ["alert", "add", "webhook", "file:///etc/passwd"],
            "'file:///etc/passwd' is not a web address; give the webhook URL, https://...",
            2,
        ),
        (
            ["alert", "add", "wecom", URL, "--secret", "SECx"],
            "--secret is for a DingTalk robot (加签); a WeCom or webhook URL carries its own key",
            2,
        ),
        (
            ["alert", "add", "wecom", URL, "--smtp", "h:25"],
            "--smtp, --user, --starttls, --password-env and --from are for an e-mail channel",
            2,
        ),
        (["alert", "add", "email", "ops"], "'ops' is not an e-mail address (name@example.com)", 2),
        (
            ["alert", "add", "email", "ops@example.com"],
            "an e-mail channel needs --smtp HOST:PORT (the server that sends it)",
            2,
        ),
        (
            ["alert", "add", "email", "ops@example.com", "--smtp", "smtp.example.com"],
            "--smtp 'smtp.example.com' is not HOST:PORT; e.g. smtp.example.com:587",
            2,
        ),
        (
            ["alert", "add", "email", "ops@example.com", "--smtp", "h:25", "--user", "u", "--password-env", "1X"],
            "--password-env '1X' is not an environment variable's name, e.g. SMTP_PASSWORD",
            2,
        ),
        (
            ["alert", "add", "wecom", URL, "--name", "two words"],
            "--name 'two words': a short name without spaces, e.g. ops-group",
            2,
        ),
        (["alert", "remove", "nope"], "no alert channel nope; `opsdesk alert list` shows them", 1),
        (["alert", "test", "nope"], "no alert channel nope; `opsdesk alert list` shows them", 1),
        (
            ["alert", "set", "breach", "5m"],
            "unknown alert setting 'breach'; use one of response, arrival, resolution, inspection-days",
            2,
        ),
        (["alert", "set", "response", "0m"], "alert response '0m': give minutes or hours above 0, e.g. 10m or 2h", 2),
        (
            ["alert", "set", "resolution", "1d"],
            "alert resolution '1d': give minutes or hours above 0, e.g. 10m or 2h",
            2,
        ),
        (
            ["alert", "set", "inspection-days", "30"],
            "alert inspection-days '30': give a number of working days, 1 to 23",
            2,
        ),
        (
            ["alert", "run"],
            "no alert channel yet; add one with `opsdesk alert add wecom URL` (see `opsdesk alert add -h`)",
            1,
        ),
        (
            ["alert", "digest"],
            "no alert channel yet; add one with `opsdesk alert add wecom URL` (see `opsdesk alert add -h`)",
            1,
        ),
        (
            ["alert", "watch", "--every", "0s"],
            "Invalid value: --every '0s': give a time such as 60s, 5m or 1h (see `opsdesk alert watch -h`)",
            2,
        ),
        (["alert", "log", "--limit", "-1"], "--limit -1: give 0 (all) or more", 2),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_bad_alert_commands_are_refused_and_write_nothing(contract, args, message, code):
    refused(args, message, contract, code=code)


def test_a_second_channel_of_the_same_name_is_refused(team):
    ok("alert", "add", "wecom", URL, "--name", "ops")
    refused(
        ["alert", "add", "dingtalk", URL, "--name", "ops"],
        "there is already an alert channel ops; choose another --name (`opsdesk alert list`)",
        team,
    )
    assert ok("alert", "add", "wecom", URL).startswith("Added alert channel wecom ")
    assert ok("alert", "add", "wecom", URL).startswith("Added alert channel wecom-2 ")


def test_backup_and_restore_keep_the_alert_bookkeeping(team, robot, tmp_path):
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "09:35")
    ok("alert", "add", "wecom", robot.url(), "--name", "ops")
    ok("alert", "run", now=NOW)
    backup = tmp_path / "b.db"
    ok("backup", str(backup))
    ok("alert", "remove", "ops")
    ok("restore", str(backup), "--force")
    assert ok("verify").startswith("History verified")
    assert [c["name"] for c in json.loads(ok("alert", "list", "--json"))["channels"]] == ["ops"]
    assert ok("alert", "run", now=LATER).endswith("ops: nothing new\n")  # the restored log still knows it was sent


# -- an alert run beside the engineers -----------------------------------------------------------


def test_an_engineer_is_not_kept_waiting_while_a_service_is_slow(team, robot):
    """The run holds no transaction while it waits on a service: an engineer's `fault open` goes
    through meanwhile (were the write lock held, it would wait 30 s and fail)."""
    import threading

    from opsdesk.alerts.runs import run_pass
    from opsdesk.store.engine import open_store

    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "09:35")
    ok("alert", "add", "wecom", robot.url(), "--name", "ops")
    robot.gate = threading.Event()
    store = open_store(team)
    outcomes = []
    worker = threading.Thread(target=lambda: outcomes.append(run_pass(store, now=NOW, actor="cron")))
    worker.start()
    try:
        assert robot.arrived.wait(30)
        ok("fault", "open", "cdss", "知识库检索慢", "--at", "09:58")  # while the robot has not answered yet
        ok("fault", "respond", "1", "--at", "09:59")
    finally:
        robot.gate.set()
        worker.join(30)
        store.close()
    assert [c.sent for c in outcomes[0].channels] == [1]
    assert log()[0]["state"] == "sent"


def test_alert_watch_runs_until_ctrl_c(team, robot):
    """`alert watch` in its own process: a pass every second until SIGINT, then a clean stop."""
    import os
    import signal
    import subprocess
    import sys

    ok("alert", "add", "wecom", robot.url(), "--name", "ops")
    process = subprocess.Popen(
        [sys.executable, "-m", "opsdesk", "alert", "watch", "--every", "1s"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        shown = [process.stdout.readline() for _ in range(4)]  # each pass shows its lines at once
        assert ["alert(s) due" in line for line in shown] == [True, False, True, False], shown
        assert "  ops: " in shown[1]  # what it sent depends on the day it runs
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert out.splitlines()[-1].startswith("Stopped after ")


def test_an_exception_request_awaiting_the_hospital_is_due_once(team, robot):
    ok("fault", "open", "queue", "测试工单", "--at", "09:00")
    ok("fault", "void", "1", "--reason", "测试数据")
    ok("alert", "add", "wecom", robot.url())
    planned = json.loads(ok("alert", "run", "--dry-run", "--json", now=NOW))
    assert {
        "key": "exception:1:awaiting",
        "kind": "exception",
        "subject": "【待院方确认】申请 1 作废 · 故障 1",
    } in planned["due"]
    ok("confirm", "exception", "1", "--by", "信息科陈主任")
    again = json.loads(ok("alert", "run", "--dry-run", "--json", now=NOW))
    assert all(a["kind"] != "exception" for a in again["due"])
