"""The witness: the history's anchor sent once every working day (and after each monthly report) to a
place the vendor does not control, retried while the service is down; what it sends holds the history
to it (`verify --against` the message or the log). Every service is a stand-in on 127.0.0.1."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest

from tests.alerts.stand_ins import start_robot
from tests.alerts.test_delivery import contract_rows, no_proxy  # noqa: F401 - the stand-ins are local
from tests.conftest import app, at, connect, ok, refused, rehash, run, runner

ANCHOR_LINE = re.compile(r"^(\d+):([0-9a-f]{64})$", re.MULTILINE)


@pytest.fixture
def robot():
    robot = start_robot()
    yield robot
    robot.server.shutdown()
    robot.server.server_close()


def witness_texts(robot) -> list[str]:
    return [t for t in robot.texts if t.startswith("【")]


def anchor_of(text: str) -> tuple[int, str]:
    [(events, head)] = ANCHOR_LINE.findall(text)
    return int(events), head


# -- exactly once per working day, over a fortnight -------------------------------------------------


def test_one_message_per_working_day_over_a_fortnight_none_on_days_off_a_failed_one_retried(contract, robot):
    """2026-10-05 to 10-18: the National Day days off (10-05..07), then a swapped working Saturday
    (10-10), two ordinary weeks' weekdays. `alert run` runs morning, at 18:00 and late each day; the
    service fails on 10-13 at 18:00 and the next run sends it."""
    ok("witness", "add", "wecom", robot.url(), "--name", "hospital-it", now=at("2026-10-05", "08:00"))
    before = contract_rows(contract)
    accepted: dict[str, str] = {}
    for n in range(14):
        day = date(2026, 10, 5) + timedelta(days=n)
        ok("fault", "open", "queue", f"叫号屏故障 {day}", "--at", "09:30", now=at(str(day), "09:30"))
        for hhmm in ("09:31", "17:59", "18:00", "23:30"):
            failing = str(day) == "2026-10-13" and hhmm == "18:00"
            robot.status = 500 if failing else 200
            posts = len(robot.posts)
            result = run("alert", "run", now=at(str(day), hhmm))
            assert result.exit_code == (1 if failing else 0), result.output
            for post in robot.posts[posts:]:
                text = post.body["text"]["content"]
                if failing:
                    assert "witness hospital-it: FAILED (HTTP 500" in result.stdout
                    continue
                assert text.startswith(f"【历史锚点】{day}"), text  # sent on its own day, none on another
                assert str(day) not in accepted, f"{day} witnessed twice"
                accepted[str(day)] = text
    working = ["2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12", "2026-10-13", "2026-10-14", "2026-10-15"]
    assert sorted(accepted) == [*working, "2026-10-16"]  # no message 10-05..07 (days off), 10-11, 10-17, 10-18
    retried = [e for e in json.loads(ok("witness", "log", "--json", "--limit", "0")) if e["key"].endswith("10-13")]
    assert [(e["state"], e["attempts"], e["sent_at"]) for e in retried] == [("sent", 2, "2026-10-13T23:30:00+08:00")]
    saturday = accepted["2026-10-10"]
    assert saturday.splitlines()[:2] == [
        "【历史锚点】2026-10-10 周六 · 智慧医疗运维",
        f"截至 2026-10-10 18:00，运维记录历史共 {anchor_of(saturday)[0]} 条事件，链头哈希：",
    ]
    after = contract_rows(contract)
    for table in ("event", "ticket"):  # what the faults wrote
        del before[table], after[table]
    assert after == before  # the witness wrote nothing of the contract's


def test_the_message_is_short_names_the_day_the_events_and_the_head_in_full(contract, robot):
    ok("witness", "add", "webhook", robot.url("/hook"), "--name", "it")
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-12-07 09:00", now=at("2026-12-07", "09:00"))
    head = json.loads(ok("verify", "--json", now=at("2026-12-07", "18:00")))
    assert ok("alert", "run", now=at("2026-12-07", "18:00")).endswith("witness it: sent 1 anchor message(s)\n")
    [post] = robot.posts
    text = post.body["text"]
    assert text == (
        "【历史锚点】2026-12-07 周一 · 智慧医疗运维\n"
        f"截至 2026-12-07 18:00，运维记录历史共 {head['events']} 条事件，链头哈希：\n"
        f"{head['events']}:{head['head_hash']}\n"
        "核对：保存本消息，在服务商的 opsdesk 上运行 opsdesk verify --against 本消息.txt（或 --anchor 上一行）"
    )
    assert len(text.encode()) < 400
    assert post.body["alerts"][0]["key"] == "witness:day:2026-12-07"
    [entry] = json.loads(ok("witness", "log", "--json"))
    assert (entry["state"], entry["anchor"]) == ("sent", f"{head['events']}:{head['head_hash']}")


def test_a_monthly_report_is_witnessed_with_the_anchor_it_carries(contract, robot, tmp_path):
    ok("witness", "add", "wecom", robot.url(), "--name", "it", now=at("2026-12-01", "08:00"))
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-11-20 09:00", now=at("2026-12-01", "08:30"))
    out = ok("report", "monthly", "2026-11", "-o", str(tmp_path / "m.xlsx"), now=at("2026-12-01", "09:00"))
    short = re.search(r"anchor (\d+):([0-9a-f]{16})", out)
    ok("alert", "run", now=at("2026-12-01", "09:01"))
    [text] = witness_texts(robot)
    assert text.startswith(
        "【月报锚点】2026-11 月度巡检报告 · 智慧医疗运维\n2026-12-01 09:00 生成 m.xlsx，报告所载历史共 "
    )
    events, head = anchor_of(text)
    assert (str(events), head[:16]) == short.groups()
    assert "报告文件 SHA-256：" in text
    ok("alert", "run", now=at("2026-12-01", "09:02"))
    assert len(witness_texts(robot)) == 1  # once
    assert f"The first {events} events still hash to the anchor {events}:{head}" in ok(
        "verify", "--anchor", text, now=at("2026-12-01", "09:03")
    )


def test_alert_run_sends_the_witness_without_any_alert_channel_and_witness_run_alone(contract, robot):
    refused(
        ["alert", "run"],
        "no alert channel yet; add one with `opsdesk alert add wecom URL` (see `opsdesk alert add -h`)",
        contract,
    )
    refused(["witness", "run"], "no witness channel yet; add one with `opsdesk witness add wecom URL`", contract)
    ok("witness", "add", "wecom", robot.url(), "--name", "it")
    assert ok("alert", "list").startswith("# 0 alert channel(s)\n")  # a witness channel gets no alerts
    assert "it" in ok("witness", "list") and "wecom" in ok("witness", "list")
    assert ok("witness", "run", "--dry-run", now=at("2026-12-07", "18:00")) == (
        "1 anchor message(s) due\n  witness it: 1 message(s) to send\n"
    )
    assert robot.posts == []
    assert ok("witness", "run", now=at("2026-12-07", "18:00")).endswith("witness it: sent 1 anchor message(s)\n")
    assert ok("alert", "run", now=at("2026-12-07", "18:05")).endswith("witness it: nothing new\n")
    assert len(robot.posts) == 1
    data = json.loads(ok("alert", "run", "--json", now=at("2026-12-08", "18:00")))
    assert [d["key"] for d in data["witness"]["due"]] == ["witness:day:2026-12-08"]
    assert [(c["channel"], c["sent"]) for c in data["witness"]["channels"]] == [("it", 1)]
    assert data["witness"]["due"][0]["anchor"] == robot.posts[-1].body["text"]["content"].splitlines()[2]


def test_witness_channels_are_listed_removed_and_named_apart_from_alert_channels(contract, robot):
    ok("witness", "add", "wecom", robot.url(), "--name", "it")
    refused(
        ["alert", "add", "wecom", robot.url(), "--name", "it"],
        "there is already a witness channel it; choose another --name (`opsdesk witness list`)",
        contract,
    )
    refused(["alert", "remove", "it"], "no alert channel it; `opsdesk alert list` shows them", contract)
    refused(["witness", "remove", "ops"], "no witness channel ops; `opsdesk witness list` shows them", contract)
    [listed] = json.loads(ok("witness", "list", "--json"))
    assert listed["target"].endswith("/***/***?key=***")  # the robot's key is never shown
    assert ok("witness", "remove", "it") == "Removed witness channel it (wecom)\n"
    assert json.loads(ok("witness", "list", "--json")) == []
    refused(["witness", "test", "it"], "no witness channel it; `opsdesk witness list` shows them", contract)


def test_a_day_whose_message_never_got_through_is_missed_not_sent_late(contract, robot):
    ok("witness", "add", "wecom", robot.url(), "--name", "it")
    robot.status = 500
    assert run("alert", "run", now=at("2026-12-07", "18:00")).exit_code == 1
    robot.status = 200
    ok("alert", "run", now=at("2026-12-08", "18:00"))  # the Tuesday's anchor holds all the Monday's would
    states = {e["key"]: e["state"] for e in json.loads(ok("witness", "log", "--json", now=at("2026-12-08", "18:01")))}
    assert states == {"witness:day:2026-12-07": "missed", "witness:day:2026-12-08": "sent"}


# -- what was witnessed holds the history -----------------------------------------------------------


def _faults(day: str, *symptoms: str) -> None:
    for n, symptom in enumerate(symptoms):
        ok("fault", "open", "queue", symptom, "--at", f"{day} 09:0{n}", now=at(day, f"09:0{n}"))


@pytest.fixture
def witnessed(contract, robot, tmp_path):
    """Monday's and Tuesday's anchors witnessed at 18:00; Wednesday's faults not yet."""
    ok("witness", "add", "wecom", robot.url(), "--name", "it", now=at("2026-12-07", "08:00"))
    _faults("2026-12-07", "周一故障一", "周一故障二")
    ok("alert", "run", now=at("2026-12-07", "18:00"))
    _faults("2026-12-08", "周二故障一", "周二故障二")
    ok("alert", "run", now=at("2026-12-08", "18:00"))
    _faults("2026-12-09", "周三故障一")
    messages = tmp_path / "群消息.txt"
    messages.write_text("\n\n".join(witness_texts(robot)), encoding="utf-8")
    log = tmp_path / "witness-log.json"
    log.write_text(ok("witness", "log", "--json", now=at("2026-12-09", "10:00")), encoding="utf-8")
    return messages, log, [anchor_of(t) for t in witness_texts(robot)]


def _rewrite(db, symptom: str) -> int:
    """A forger's rewrite of the fault's symptom, every later hash recomputed: `verify` passes."""
    conn = connect(db)
    ticket, created = conn.execute(
        "SELECT entity_id, id FROM event WHERE entity = 'ticket' AND after LIKE ? AND before IS NULL",
        (f"%{symptom}%",),
    ).fetchone()
    after = conn.execute("SELECT after FROM event WHERE id = ?", (created,)).fetchone()[0]
    conn.execute("UPDATE event SET after = ? WHERE id = ?", (after.replace(symptom, "无故障"), created))
    conn.execute("UPDATE ticket SET symptom = '无故障' WHERE id = ?", (ticket,))
    conn.commit()
    rehash(conn)
    conn.close()
    assert json.loads(ok("verify", "--json", now=at("2026-12-09", "10:00")))["ok"]
    return created


def test_a_rewrite_between_two_witnessed_anchors_fails_naming_the_anchor(witnessed, contract):
    messages, log, [(monday, _), (tuesday, head)] = witnessed
    changed = _rewrite(contract, "周二故障一")
    assert monday < changed <= tuesday
    for source in (messages, log):
        result = run("verify", "--against", str(source), now=at("2026-12-09", "10:00"))
        assert result.exit_code == 1
        assert result.stderr == (
            f"Error: history check failed: the history no longer matches {source} from an event in "
            f"{monday + 1}..{tuesday}: the first {tuesday} events no longer hash to its anchor "
            f"{tuesday}:{head[:16]}… (taken 2026-12-08 18:00), the first {monday} still do (an event was changed "
            "and the later hashes recomputed)\n"
        )


def test_a_message_pasted_as_received_holds_the_history_too(witnessed, contract):
    messages, _, [_, (tuesday, head)] = witnessed
    pasted = messages.read_text(encoding="utf-8").split("\n\n")[-1]
    result = runner.invoke(app, ["verify", "--against", "-"], input=pasted)
    assert result.exit_code == 0, result.output
    assert f"The first {tuesday} events still hash to standard input (1 anchor(s), head {head[:16]})" in result.stdout
    _rewrite(contract, "周一故障一")
    result = runner.invoke(app, ["verify", "--against", "-"], input=pasted)
    assert result.exit_code == 1
    assert f"no longer hash to its anchor {tuesday}:{head[:16]}… (taken 2026-12-08 18:00)" in result.stderr


def test_a_rewrite_after_the_last_witness_is_reported_unprotected_not_verified(witnessed, contract):
    messages, _, [_, (tuesday, _)] = witnessed
    _rewrite(contract, "周三故障一")
    events = json.loads(ok("verify", "--json", now=at("2026-12-09", "10:00")))["events"]
    shown = ok("verify", "--against", str(messages), now=at("2026-12-09", "10:00"))
    assert shown.startswith(f"History consistent: {events} events")
    assert "History verified" not in shown
    assert (
        f"Unprotected since 2026-12-08 18:00: events {tuesday + 1}..{events} are held by no anchor of {messages}"
    ) in shown
    data = json.loads(ok("verify", "--json", "--against", str(messages), now=at("2026-12-09", "10:00")))
    assert data["anchored"] == tuesday
    assert data["unprotected"] == {"first": tuesday + 1, "last": events, "since": "2026-12-08 18:00"}
