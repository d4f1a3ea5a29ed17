"""Change requests, inspections, staff, training, work log, confirmations, terms and milestones."""

from __future__ import annotations

import json

import pytest

from tests.conftest import at, ok, refused, run

APP_ITEMS = ["服务与进程状态", "与HIS等系统接口", "证书与许可有效期", "应用错误日志", "磁盘空间增长"]
DB_ITEMS = ["实例与监听状态", "表空间使用率", "备份成功情况", "恢复测试", "告警日志错误", "无效对象", "慢SQL", "会话数"]
ALL_ITEMS = [*APP_ITEMS, *DB_ITEMS]  # the default checklist, in its order


def results_csv(tmp_path, items, name="r.csv"):
    path = tmp_path / name
    path.write_text("item,result,verdict,note\n" + "".join(f"{i},正常,ok,\n" for i in items), encoding="utf-8")
    return str(path)


# -- change requests ----------------------------------------------------------------------


def test_schema_change_needs_review_then_acceptance_waits_ten_working_days(contract):
    out = ok(
        "change", "open", "cdss", "新增抗菌药物分级提醒", "--type", "完善性", "--schema", "--at", "2026-12-01 09:00"
    )
    assert out == (
        "Opened change 1 (cdss, perfective) due 2026-12-31 09:00; needs hospital IT's review before implementation\n"
    )
    refused(
        ["change", "implement", "1"],
        "change 1 touches database tables, views or stored procedures and needs hospital IT's approved review "
        "before implementation (it has no review yet); record the approval with "
        "`opsdesk change review 1 --approve --by NAME`",
        contract,
    )
    ok("change", "review", "1", "--reject", "--by", "黄工", "--at", "2026-12-02 10:00")
    refused(
        ["change", "implement", "1"],
        "change 1 touches database tables, views or stored procedures and needs hospital IT's approved review "
        "before implementation (its review was rejected); record the approval with "
        "`opsdesk change review 1 --approve --by NAME`",
        contract,
    )
    ok("change", "review", "1", "--approve", "--by", "黄工", "--at", "2026-12-03 10:00")
    assert ok("change", "implement", "1", "--at", "2026-12-10 15:00", now=at("2026-12-10", "15:01")) == (
        "Change 1: implemented 2026-12-10 15:00 (due 2026-12-31); acceptance may be applied for from 2026-12-24\n"
    )
    refused(
        ["change", "apply-acceptance", "1"],
        "change 1 was implemented on 2026-12-10; acceptance may be applied for from 2026-12-24 (10 working days later)",
        contract,
        now=at("2026-12-23", "17:00"),
    )
    ok("change", "apply-acceptance", "1", now=at("2026-12-24", "09:00"))
    ok("change", "reject-acceptance", "1", "--reason", "未覆盖急诊", now=at("2026-12-24", "16:00"))
    refused(
        ["change", "accept", "1", "--by", "陈主任"],
        "change 1 acceptance was rejected; apply again first (`opsdesk change apply-acceptance 1`)",
        contract,
        now=at("2026-12-25", "09:00"),
    )
    ok("change", "apply-acceptance", "1", now=at("2026-12-28", "09:00"))
    assert ok("change", "accept", "1", "--by", "陈主任", now=at("2026-12-29", "10:00")) == (
        "Change 1: accepted by 陈主任; free maintenance until 2027-12-28\n"
    )
    data = json.loads(ok("change", "show", "1", "--json", now=at("2026-12-29", "10:00")))
    assert (data["review"], data["acceptance"], data["warranty_end"], data["delivered_late"]) == (
        "approved",
        "accepted",
        "2027-12-28",
        False,
    )
    refused(
        ["change", "accept", "1", "--by", "陈主任"],
        "change 1 was accepted on 2026-12-29 10:00 by 陈主任",
        contract,
    )
    assert [h["action"] for h in data["history"]] == [
        "change.open",
        "change.review",
        "change.review",
        "change.implement",
        "change.apply-acceptance",
        "change.reject-acceptance",
        "change.apply-acceptance",
        "change.accept",
    ]
    shown = ok("change", "show", "1", now=at("2026-12-29", "10:00"))
    assert "  reviewed: 2026-12-03 10:00\n" in shown
    assert "\tchange.reject-acceptance\t2026-12-24 16:00\t未覆盖急诊\n" in shown  # cleared from the record, kept here


def test_change_list_due_and_overdue(contract):
    ok(
        "change",
        "open",
        "queue",
        "老年人优先",
        "--type",
        "perfective",
        "--at",
        "2026-11-01 10:00",
        now=at("2026-11-01", "10:00"),
    )
    ok(
        "change",
        "open",
        "bi",
        "新院区数据",
        "--type",
        "interface",
        "--at",
        "2026-12-01 10:00",
        now=at("2026-12-01", "10:00"),
    )
    ok(
        "change",
        "open",
        "face",
        "适配Chrome",
        "--type",
        "adaptive",
        "--at",
        "2026-11-20 10:00",
        now=at("2026-11-20", "10:00"),
    )
    # now is 2026-12-07 10:00: change 1 was due 12-01 (late), change 3 is due 12-20, change 2 on 12-31
    assert [c["id"] for c in json.loads(ok("change", "list", "--overdue", "--json"))] == [1]
    assert [c["id"] for c in json.loads(ok("change", "list", "--due-within", "14d", "--json"))] == [1, 3]
    assert json.loads(ok("change", "list", "--json"))[0]["days_left"] == -6
    status = json.loads(ok("status", "--json"))
    assert [c["id"] for c in status["changes_due_within_7_days"]] == [1]
    refused(
        ["change", "open", "queue", "x", "--type", "cosmetic"],
        "unknown change type 'cosmetic'; use perfective (完善性), adaptive (适应性) or interface (接口)",
        contract,
        2,
    )


# -- inspections --------------------------------------------------------------------------


def test_inspection_without_database_items_is_refused(contract, tmp_path):
    path = results_csv(tmp_path, ["服务与进程状态", "实例与监听状态"])
    refused(
        ["inspect", "queue", "--from-file", path],
        "the inspection of queue lacks its database-environment items: 表空间使用率, 备份成功情况, 恢复测试, "
        "告警日志错误, 无效对象, 慢SQL, 会话数 (and application items: 与HIS等系统接口, 证书与许可有效期, "
        "应用错误日志, 磁盘空间增长); every inspection must check the database (数据库环境)",
        contract,
    )


def test_inspection_missing_an_application_item_is_refused(contract, tmp_path):
    path = results_csv(tmp_path, [i for i in ALL_ITEMS if i not in ("与HIS等系统接口", "磁盘空间增长")])
    refused(
        ["inspect", "queue", "--from-file", path],
        "the inspection of queue lacks 2 checklist item(s): 与HIS等系统接口, 磁盘空间增长; every item needs a "
        "result (`opsdesk inspect template show queue` lists them)",
        contract,
    )


def test_two_of_five_inspected_leaves_exactly_three_gaps(contract, tmp_path):
    path = results_csv(tmp_path, ALL_ITEMS)
    out = ok("inspect", "queue", "--from-file", path, "--at", "2026-12-03 10:00", "--by", "张伟")
    assert out == "Inspection 1: queue 2026-12 by 张伟 — 13 ok, 0 warn, 0 fail; database: ok\n"
    ok("inspect", "run", "bi", "--from-file", path)
    gaps = json.loads(ok("inspect", "gaps", "--month", "2026-12", "--json"))
    assert [s["code"] for s in gaps["uninspected"]] == ["cdss", "face", "avatar"]
    assert json.loads(ok("status", "--json"))["uninspected_this_month"] == ["cdss", "face", "avatar"]
    assert len(json.loads(ok("inspect", "gaps", "--month", "2026-11", "--json"))["uninspected"]) == 5


def test_inspection_month_must_match_and_items_must_exist(contract, tmp_path):
    path = results_csv(tmp_path, ALL_ITEMS)
    refused(
        ["inspect", "queue", "--month", "2026-11", "--from-file", path],
        "an inspection at 2026-12-07 10:00 is not in 2026-11; give --at a time inside 2026-11",
        contract,
    )
    bad = results_csv(tmp_path, [*ALL_ITEMS, "机房温度"], "bad.csv")
    result = run("inspect", "queue", "--from-file", bad)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: result 14: '机房温度' is not on queue's checklist; items: 服务与进程状态")


def test_risks_and_their_remedies(contract, tmp_path):
    ok("inspect", "queue", "--from-file", results_csv(tmp_path, ALL_ITEMS))
    assert ok(
        "inspect", "risk", "1", "表空间使用率88%", "--level", "中", "--remedy", "扩容", "--due", "2026-12-20"
    ) == ("Risk 1 on inspection 1: medium, remedy: 扩容\n")
    ok("inspect", "risk-done", "1", "--note", "已扩容")
    refused(["inspect", "risk-done", "1"], "risk 1 was already done at 2026-12-07 10:00", contract)
    risks = json.loads(ok("inspect", "list", "--json"))[0]["risks"]
    assert [(r["level"], r["done_note"]) for r in risks] == [("medium", "已扩容")]
    ok("inspect", "risk", "1", "归档日志未清理", "--level", "high", "--remedy", "加定时清理", "--owner", "张伟")
    listed = json.loads(ok("inspect", "risks", "--json"))
    assert [(r["id"], r["system"], r["inspection"], r["text"]) for r in listed] == [
        (1, "queue", 1, "表空间使用率88%"),
        (2, "queue", 1, "归档日志未清理"),
    ]
    assert [r["id"] for r in json.loads(ok("inspect", "risks", "--open", "--json"))] == [2]
    assert "\t归档日志未清理\t加定时清理\t张伟\t-\topen\n" in ok("inspect", "risks", "--open")
    shown = ok("inspect", "show", "1")
    assert shown.startswith("Inspection 1 · queue ") and "# Risks: 2" in shown and "已扩容" in shown
    assert json.loads(ok("inspect", "show", "1", "--json"))["risks"][1]["owner"] == "张伟"
    assert run("inspect", "show", "9").stderr == "Error: no inspection 9; `opsdesk inspect list` shows them\n"


def test_template_set_and_show(contract, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("section,item,standard\napp,叫号服务,运行正常\n", encoding="utf-8")
    refused(
        ["inspect", "template", "set", "queue", str(path)],
        f"{path} has no database-environment (db) items; every inspection must check the database",
        contract,
    )
    path.write_text("分类,巡检项,检查标准\n应用,叫号服务,运行正常\n数据库环境,表空间,低于85%\n", encoding="gbk")
    assert (
        ok("inspect", "template", "set", "queue", str(path)) == "Checklist of queue: 2 items (1 database-environment)\n"
    )
    assert json.loads(ok("inspect", "template", "show", "queue", "--json")) == [
        {"section": "app", "item": "叫号服务", "standard": "运行正常"},
        {"section": "db", "item": "表空间", "standard": "低于85%"},
    ]
    assert len(json.loads(ok("inspect", "template", "show", "cdss", "--json"))) == 13


def test_inspect_needs_a_file_when_not_interactive(contract):
    result = run("inspect", "queue")
    assert result.exit_code == 2
    assert result.stderr == "Error: no terminal to ask on; give the results with --from-file results.csv\n"


# -- staff, training, work ----------------------------------------------------------------


def test_staffing_gaps(contract):
    ok("staff", "add", "张伟", "--role", "驻场工程师", "--phone", "138", "--email", "zw@example.com", "--onsite")
    ok(
        "staff",
        "add",
        "李娜",
        "--role",
        "驻场工程师",
        "--phone",
        "139",
        "--email",
        "ln@example.com",
        "--onsite",
        "--from",
        "2026-11-10",
    )
    ok("staff", "add", "赵敏", "--role", "项目经理", "--phone", "137", "--email", "zm@example.com")
    ok("staff", "end", "李娜", "--at", "2026-12-01")
    data = json.loads(ok("staff", "list", "--json"))
    assert data["onsite_today"] == 1
    assert data["gaps"] == [
        {"from": "2026-09-01", "to": "2026-11-09", "onsite": 1},
        {"from": "2026-12-02", "to": "2026-12-07", "onsite": 1},
    ]
    assert json.loads(ok("status", "--json"))["onsite_today"] == 1
    refused(
        ["staff", "add", "张伟", "--role", "x", "--phone", "1", "--email", "a@b.c"],
        "张伟 is already on the roster; `opsdesk staff list` shows it",
        contract,
    )


def test_training_and_work_log(contract):
    assert (
        ok(
            "training",
            "add",
            "queue",
            "叫号培训",
            "--trainer",
            "张伟",
            "--attendees",
            "25",
            "--hours",
            "1.5",
            "--at",
            "2026-12-03 14:00",
        )
        == "Training 1: 叫号培训 (25 people, 1.5 h) at 2026-12-03 14:00\n"
    )
    ok("work", "log", "cdss", "数据库备份恢复演练", "--type", "restore-drill", "--minutes", "120")
    assert json.loads(ok("training", "list", "--json"))[0]["attendees"] == 25
    assert json.loads(ok("work", "list", "--type", "restore-drill", "--json"))[0]["minutes"] == 120
    refused(
        ["work", "log", "queue", "x", "--type", "coffee"],
        "unknown work type 'coffee'; use one of os, database, security, backup, restore-drill, interface "
        "(操作系统 / 数据库 / 安全 / 备份 / 恢复演练 / 接口)",
        contract,
        2,
    )


# -- confirmations, terms, milestones -----------------------------------------------------


def test_confirm_any_record_and_pending(contract, tmp_path):
    ok("inspect", "queue", "--from-file", results_csv(tmp_path, ALL_ITEMS))
    ok("work", "log", "queue", "检查备份", "--type", "backup")
    assert [r["kind"] for r in json.loads(ok("confirm", "pending", "--json"))] == ["inspection", "work"]
    assert ok("confirm", "inspection", "1", "--by", "陈主任", "--comment", "属实") == (
        "Inspection 1: confirmed by 陈主任 at 2026-12-07 10:00\n"
    )
    assert [r["kind"] for r in json.loads(ok("confirm", "pending", "--json"))] == ["work"]
    refused(
        ["confirm", "inspection", "1", "--by", "x"],
        "inspection 1 is already confirmed (by 陈主任 at 2026-12-07 10:00)",
        contract,
    )
    refused(
        ["confirm", "memo", "1", "--by", "x"],
        "unknown record kind 'memo'; use one of fault, change, inspection, risk, training, work, exception",
        contract,
        2,
    )


def test_terms_in_force_when_reported(contract):
    ok("fault", "open", "queue", "旧条款", "--at", "2026-12-04 17:30", now=at("2026-12-04", "17:31"))
    ok("contract", "set", "response_inside_min", "15", "--note", "补充协议")
    ok("fault", "open", "queue", "新条款", "--at", "2026-12-07 10:00")
    old = json.loads(ok("fault", "show", "1", "--json"))["clocks"]["response"]
    new = json.loads(ok("fault", "show", "2", "--json"))["clocks"]["response"]
    assert (old["target_minutes"], new["target_minutes"]) == (30, 15)
    refused(["contract", "set", "response_inside_min", "15"], "response_inside_min is already 15", contract)
    refused(
        ["contract", "set", "coffee_breaks", "2"],
        "unknown term 'coffee_breaks'; terms: response_inside_min, "
        "response_outside_min, arrival_inside_min, arrival_outside_min, resolve_fault_days, resolve_defect_days, "
        "resolve_data_days, change_due_days, acceptance_wait_days, warranty_months, workday_start, workday_end, "
        "timezone",
        contract,
        2,
    )


def test_milestones(contract, tmp_path):
    data = json.loads(ok("contract", "show", "--json"))
    assert [(m["percent"], m["date"], m["ready"]) for m in data["milestones"]] == [
        (30, "2026-09-01", True),
        (30, "2027-03-02", False),
        (40, "2027-09-01", False),
    ]
    second = data["milestones"][1]["missing"]
    assert second[0] == "half the service period is reached on 2027-03-02"
    # September to November 2026 are whole months without inspections: 3 x 5 systems
    assert (
        "15 monthly inspection(s) missing (2026-09 queue, 2026-09 cdss, 2026-09 face, 2026-09 bi, 2026-09 avatar, ...)"
        in second
    )
    assert "98 day(s) with fewer than 2 engineers on site" in second  # 2026-09-01 to 12-07, nobody on the roster
    # 30 working days after 2027-08-31: 21 in September (09-15 中秋), 10-01..05 off, then 06-08, 11-15, 18
    assert data["acceptance_start_by"] == "2027-10-18"
    assert data["unconfirmed_years"] == [2027]  # the plain rules: 2027's schedule is not published
    assert "calendar 2027 is not officially published yet; the acceptance date uses" in ok("report", "milestones")
    ok("calendar", "confirm", "2027")
    assert json.loads(ok("report", "milestones", "--json"))["unconfirmed_years"] == []


@pytest.mark.parametrize("kind", ["change", "inspection", "training", "work"])
def test_unknown_ids_are_one_line_errors(contract, kind):
    result = run("confirm", kind, "42", "--by", "x")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: no {kind} 42")


def test_second_inspection_duplicates_and_confirmed_inspections(contract, tmp_path):
    path = results_csv(tmp_path, ALL_ITEMS)
    ok("inspect", "queue", "--from-file", path, "--at", "2026-12-03 10:00")
    refused(
        ["inspect", "queue", "--from-file", path],
        "queue was already inspected in 2026-12 (inspection 1 at 2026-12-03 10:00); add --again to record a "
        "re-inspection",
        contract,
    )
    assert ok("inspect", "queue", "--from-file", path, "--again").startswith("Inspection 2: queue 2026-12")
    twice = results_csv(tmp_path, [*ALL_ITEMS, "慢SQL"], "twice.csv")
    refused(
        ["inspect", "bi", "--from-file", twice],
        "the results give 慢SQL more than once; one result per checklist item",
        contract,
        2,
    )
    ok("confirm", "inspection", "1", "--by", "陈主任")
    refused(
        ["inspect", "risk", "1", "x", "--level", "low", "--remedy", "r"],
        "inspection 1 was confirmed by 陈主任 at 2026-12-07 10:00; record a risk found later on a new "
        "inspection (`opsdesk inspect SYSTEM --again`)",
        contract,
    )


def test_retroactive_terms_need_the_flag(contract):
    ok("fault", "open", "queue", "x", "--at", "2026-12-04 17:30", now=at("2026-12-04", "17:31"))
    refused(
        ["contract", "set", "resolve_fault_days", "1", "--from", "2026-12-01"],
        "from 2026-12-01 00:00 the new resolve_fault_days would re-judge 1 fault(s) already on record; add "
        "--retroactive to apply it to them (the change stays visible in the history)",
        contract,
    )
    out = ok(
        "contract", "set", "resolve_fault_days", "1", "--from", "2026-12-01", "--retroactive", "--note", "补充协议"
    )
    assert out == "Terms changed from 2026-12-01 00:00: resolve_fault_days: 2 -> 1 (补充协议)\n"
    assert json.loads(ok("fault", "show", "1", "--json"))["clocks"]["resolution"]["target_minutes"] == 600
    assert ok("contract", "set", "response_inside_min", "20", "--from", "2027-01-01").startswith(
        "Terms changed from 2027-01-01 00:00"
    )  # a signed supplement entered ahead of time
    shown = json.loads(ok("contract", "show", "--json"))
    assert shown["terms"]["response_inside_min"] == 30  # in force now; the supplement is not yet
    assert [c["in_force"] for c in shown["terms_changes"]] == [True, False]
    assert "from 2027-01-01 00:00 (not yet in force): response_inside_min: 30 -> 20" in ok("contract", "show")
    assert ok("contract", "set", "response_inside_min", "15", "--from", "2027-02-01").endswith(
        "response_inside_min: 20 -> 15\n"
    )  # the next change builds on the last, not on the terms in force today
    refused(
        ["contract", "set", "timezone", "Asia/Tokyo"],
        "the contract's time zone cannot change once records exist; every time on record is in it",
        contract,
    )


def _walk(answers: list[str]):
    """`opsdesk inspect queue` at a terminal, typing ``answers`` one per prompt."""
    from opsdesk.cli.app import app
    from tests.conftest import runner

    return runner.invoke(
        app,
        ["inspect", "queue", "--at", "2026-12-03 10:00"],
        input="\n".join(answers) + "\n",
        env={"OPSDESK_FORCE_TERMINAL": "1", "COLUMNS": "120"},
    )


def test_the_interactive_walk_takes_ok_all_back_and_a_review(contract):
    # item 1 (no reading): result, verdict, note; item 2: "back" to item 1, answered again as a warning;
    # item 2 answered; item 3 (a reading): reading, then ok-all, which asks the readings of items 5, 7, 8, 11,
    # 12 and 13 (Enter: none); the review: redo item 2, then save.
    answers = [
        "正常",
        "ok",
        "",
        "back",
        "偶发超时",
        "warn",
        "已登记",
        "正常",
        "ok",
        "",
        "45",
        "ok-all",
        *[""] * 6,
        "2",
        "正常",
        "ok",
        "复核正常",
        "yes",
    ]
    result = _walk(answers)
    assert result.exit_code == 0, result.output
    items = {i["item"]: i for i in json.loads(ok("inspect", "show", "1", "--json"))["items"]}
    assert len(items) == 13
    assert (items["服务与进程状态"]["result"], items["服务与进程状态"]["verdict"]) == ("偶发超时", "warn")
    assert (items["与HIS等系统接口"]["verdict"], items["与HIS等系统接口"]["note"]) == ("ok", "复核正常")
    assert all(i["verdict"] == "ok" for name, i in items.items() if name not in ("服务与进程状态",))


def test_ok_all_asks_the_readings_only(contract):
    """ok-all at item 1: no result, verdict or note is asked, only the readings of the 7 items that take
    one; a disk at 88% (threshold <80) is a warning, the rest normal with what was read."""
    readings = ["45", "88", "70", "30/30", "0", "0", "120"]  # items 3, 5, 7, 8, 11, 12, 13
    result = _walk(["ok-all", *readings, "yes"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("  result (or ok-all") == 1 and "verdict (ok / warn / fail)" not in result.stdout
    items = {i["item"]: i for i in json.loads(ok("inspect", "show", "1", "--json"))["items"]}
    assert (items["磁盘空间增长"]["reading"], items["磁盘空间增长"]["verdict"]) == ("88", "warn")
    assert (items["会话数"]["reading"], items["会话数"]["verdict"]) == ("120", "ok")
    assert [name for name, i in items.items() if i["verdict"] != "ok"] == ["磁盘空间增长"]


def test_saying_no_at_the_review_records_nothing(contract):
    result = _walk(["ok-all", *[""] * 7, "no"])  # ok-all asks the 7 readings only
    assert (result.exit_code, result.stderr) == (1, "Error: aborted: nothing was recorded\n")
    assert json.loads(ok("inspect", "list", "--json")) == []


def test_a_reading_outside_its_threshold_defaults_to_a_warning_and_answers_come_back_as_defaults(contract):
    # items 1-2 by their defaults; item 3 (certificates, ≥30 days) reads 12: the defaults become 超出阈值 / warn;
    # the rest ok-all; the review sends item 3 back, where Enter keeps every earlier answer.
    answers = ["", "", "", "", "", "", "12", "", "", "需续期", "ok-all", *[""] * 6, "3", "", "", "", "", "yes"]
    result = _walk(answers)
    assert result.exit_code == 0, result.output
    assert "12 天 is outside the threshold ≥30" in result.stdout
    cert = next(i for i in json.loads(ok("inspect", "show", "1", "--json"))["items"] if i["item"] == "证书与许可有效期")
    assert (cert["reading"], cert["result"], cert["verdict"], cert["note"]) == ("12", "超出阈值", "warn", "需续期")
    assert (
        '  证书与许可有效期: warn; record its risk: opsdesk inspect risk 1 "..." --item 证书与许可有效期 '
        '--remedy "..."\n'
    ) in result.stdout


@pytest.mark.parametrize(
    ("reading", "threshold", "outside"),
    [
        ("12", "≥30", True),
        ("45", "≥30", False),
        ("88", "<85", True),
        ("84.9", "<85", False),
        ("30/30", "全部", False),
        ("29/30", "全部", True),
        ("0", "0", False),
        ("3", "0（>2秒）", True),
        ("480", "<400（上限500）", True),
        ("312", "<400（上限500）", False),
        ("n/a", "<85", None),
        ("", "<85", None),
        ("5", None, None),
    ],
)
def test_outside_threshold(reading, threshold, outside):
    from opsdesk.contract.inspections import outside_threshold

    assert outside_threshold(reading, threshold) is outside


def test_a_repeat_inspection_is_refused_before_the_walk(contract, tmp_path):
    ok("inspect", "queue", "--from-file", results_csv(tmp_path, ALL_ITEMS), "--at", "2026-12-03 09:00")
    result = _walk(["ok-all", "yes"])
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: queue was already inspected in 2026-12 (inspection 1 at "
        "2026-12-03 09:00); add --again to record a re-inspection\n",
    )
    assert "1/13" not in result.stdout  # not one item was asked


def test_a_results_form_is_written_filled_in_and_recorded(contract, tmp_path):
    """`inspect template form` writes a row per checklist item; filled in, `inspect --from-file` takes it."""
    import csv

    form = tmp_path / "queue-results.csv"
    assert ok("inspect", "template", "form", "queue", "-o", str(form)).startswith(
        f"Wrote the results form of queue (13 items) to {form}\n"
    )
    rows = list(csv.DictReader(form.read_text(encoding="utf-8-sig").splitlines()))
    checklist = json.loads(ok("inspect", "template", "show", "queue", "--json"))
    assert [r["item"] for r in rows] == [i["item"] for i in checklist]
    assert all(r["result"] == r["verdict"] == r["reading"] == "" for r in rows)
    for r in rows:
        r.update(result="正常", verdict="ok", reading="45" if r["unit"] else "")
    with form.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    ok("inspect", "queue", "--from-file", str(form), "--at", "2026-12-03 10:00")
    assert len(json.loads(ok("inspect", "show", "1", "--json"))["items"]) == 13
    refused(
        ["inspect", "template", "form", "queue", "-o", str(form)],
        f"{form} already exists; choose another -o or add --force to overwrite it",
        contract,
    )
