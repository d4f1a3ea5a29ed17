"""Importing ZenTao bugs and stories, and handing back what was done."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import at, ok, refused, run, snapshot

OLD_HEADER = [
    "Bug编号",
    "所属产品",
    "所属模块",
    "Bug标题",
    "严重程度",
    "优先级",
    "Bug类型",
    "重现步骤",
    "Bug状态",
    "由谁创建",
    "创建日期",
    "指派给",
    "解决者",
    "解决方案",
    "解决日期",
    "由谁关闭",
    "关闭日期",
    "最后修改日期",
]
NEW_HEADER = [h.replace("Bug标题", "Bug名称").replace("最后修改日期", "修改日期") for h in OLD_HEADER]


def bug(
    id_,
    title="叫号屏黑屏",
    product="智能候诊(#3)",
    severity="2",
    status="激活",
    opened="2026-11-02 09:15:00",
    resolution="",
    resolved="0000-00-00 00:00:00",
    opened_by="王护士",
) -> dict:
    return {
        "Bug编号": str(id_),
        "所属产品": product,
        "所属模块": "叫号(#7)",
        "Bug标题": title,
        "Bug名称": title,
        "严重程度": severity,
        "优先级": "1",
        "Bug类型": "代码错误",
        "重现步骤": "打开叫号屏",
        "Bug状态": status,
        "由谁创建": opened_by,
        "创建日期": opened,
        "指派给": "张伟",
        "解决者": "",
        "解决方案": resolution,
        "解决日期": resolved,
        "由谁关闭": "",
        "关闭日期": "0000-00-00 00:00:00",
        "最后修改日期": opened,
        "修改日期": opened,
    }


def write_csv(path, rows, header=OLD_HEADER, encoding="utf-8-sig"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return str(path)


@pytest.fixture
def mapped(contract):
    ok("import", "map", "智能候诊", "queue")
    ok("import", "map", "BI大屏", "bi")
    return contract


def faults() -> list[dict]:
    return json.loads(ok("fault", "list", "--json"))


@pytest.mark.parametrize(
    ("header", "encoding"), [(OLD_HEADER, "gbk"), (OLD_HEADER, "utf-8-sig"), (NEW_HEADER, "utf-8")]
)
def test_csv_variants_import_the_same(mapped, tmp_path, header, encoding):
    path = write_csv(
        tmp_path / "bugs.csv",
        [
            bug(12, status="已解决", resolution="已解决", resolved="2026-11-02 11:00:00"),
            bug(13, "大屏无数据", "BI大屏(#4)", "3", opened="2026-11-05"),
        ],
        header,
        encoding,
    )
    assert ok("import", "zentao-bugs", path).splitlines()[0] == "2 fault(s) were created, 0 updated, 0 unchanged (csv)"
    got = faults()
    assert [(f["ref"], f["system"], f["kind"], f["status"], f["reporter"]) for f in got] == [
        ("bug#12", "queue", "fault", "resolved", "王护士"),
        ("bug#13", "bi", "defect", "open", "王护士"),
    ]
    assert got[0]["reported_at"] == "2026-11-02T09:15:00+08:00" and got[0]["resolved_at"] == "2026-11-02T11:00:00+08:00"
    assert got[0]["result"] == "已解决" and got[0]["impact"] == "严重程度2（严重）"
    # a date-only report: response and arrival are "time unknown", never met
    assert {got[1]["clocks"][c]["state"] for c in ("response", "arrival")} == {"time_unknown"}
    assert got[1]["late"] == []


def test_api_json_times_are_utc(mapped, tmp_path):
    page = {
        "page": 1,
        "total": 1,
        "limit": 20,
        "bugs": [
            {
                "id": 21,
                "product": {"id": 3, "name": "智能候诊"},
                "module": 7,
                "title": "签到失败",
                "severity": 1,
                "status": "resolved",
                "openedBy": {"account": "wang", "realname": "王护士"},
                "openedDate": "2026-11-02T01:15:00Z",
                "resolution": "fixed",
                "resolvedDate": "2026-11-02T03:00:00Z",
            }
        ],
    }
    path = tmp_path / "bugs.json"
    path.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
    assert ok("import", "zentao-bugs", str(path)) == "1 fault(s) were created, 0 updated, 0 unchanged (api)\n"
    got = faults()[0]
    assert (got["reported_at"], got["resolved_at"], got["reporter"], got["result"]) == (
        "2026-11-02T09:15:00+08:00",
        "2026-11-02T11:00:00+08:00",
        "王护士",
        "已解决",
    )


def test_unmapped_product_stops_the_import(contract, tmp_path):
    path = write_csv(tmp_path / "bugs.csv", [bug(12), bug(13, product="BI大屏(#4)")])
    before = snapshot(contract)
    result = run("import", "zentao-bugs", path)
    assert (result.exit_code, result.stderr) == (
        1,
        (
            f"Error: {path}: ZenTao product(s) 'BI大屏', '智能候诊' are not mapped to a system; map each with "
            '`opsdesk import map "BI大屏" SYSTEM` (systems: see `opsdesk system list`), then import again\n'
        ),
    )
    assert snapshot(contract) == before


def test_missing_column_and_corrupt_files(mapped, tmp_path):
    path = write_csv(tmp_path / "bugs.csv", [bug(12)], [h for h in OLD_HEADER if h != "创建日期"])
    result = run("import", "zentao-bugs", path)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"Error: {path} lacks the column(s) 创建日期 needed for ZenTao bugs; headers found: Bug编号, 所属产品"
    )
    junk = tmp_path / "junk.json"
    junk.write_text("{not json", encoding="utf-8")
    assert run("import", "zentao-bugs", str(junk)).stderr.startswith(f"Error: {junk} is not valid JSON")
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\x00\xff\xfe" * 50)
    assert run("import", "zentao-bugs", str(binary)).exit_code == 2


def test_reimport_changes_nothing_and_newer_export_keeps_hand_edits(mapped, tmp_path):
    path = write_csv(tmp_path / "bugs.csv", [bug(12), bug(13, "大屏无数据", "BI大屏(#4)", "3")])
    ok("import", "zentao-bugs", path)
    before = snapshot(mapped)
    assert ok("import", "zentao-bugs", path) == "0 fault(s) were created, 0 updated, 2 unchanged (csv)\n"
    assert snapshot(mapped) == before
    ok(
        "fault", "edit", "1", "--reason", "记录有误", "--symptom", "3号诊区叫号屏黑屏（现场核实）"
    )  # an engineer's hand edit
    newer = write_csv(
        tmp_path / "bugs2.csv",
        [
            bug(12, title="叫号屏黑屏（已复现）", status="已解决", resolution="已解决", resolved="2026-11-02 11:00:00"),
            bug(13, "大屏无数据", "BI大屏(#4)", "3"),
        ],
    )
    out = ok("import", "zentao-bugs", newer)
    assert out.startswith("0 fault(s) were created, 1 updated, 1 unchanged (csv)")
    assert "row 2: bug#12 (id 1): kept what an engineer recorded by hand in symptom" in out
    got = faults()[0]
    assert (got["symptom"], got["resolved_at"]) == ("3号诊区叫号屏黑屏（现场核实）", "2026-11-02T11:00:00+08:00")
    assert ok("verify").startswith("History verified")


def test_a_bad_last_row_leaves_the_store_unchanged(mapped, tmp_path):
    rows = [bug(i) for i in range(1, 30)] + [bug(99, opened="2026-13-45 10:00:00")]
    path = write_csv(tmp_path / "bugs.csv", rows)
    before = snapshot(mapped)
    result = run("import", "zentao-bugs", path)
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: bugs.csv row 31: cannot read the date '2026-13-45 10:00:00'; ZenTao writes 2026-11-02 09:15:00\n",
    )
    assert snapshot(mapped) == before


def test_dry_run_writes_nothing(mapped, tmp_path):
    path = write_csv(tmp_path / "bugs.csv", [bug(12)])
    before = snapshot(mapped)
    data = json.loads(ok("import", "zentao-bugs", path, "--dry-run", "--json"))
    assert (data["dry_run"], [c["platform_id"] for c in data["created"]]) == (True, ["bug#12"])
    assert snapshot(mapped) == before


def test_other_system_is_reported_not_moved(mapped, tmp_path):
    ok("import", "zentao-bugs", write_csv(tmp_path / "a.csv", [bug(12)]))
    out = ok("import", "zentao-bugs", write_csv(tmp_path / "b.csv", [bug(12, product="BI大屏(#4)")]))
    assert "row 2: bug#12 is fault 1 of system queue; the platform now files it elsewhere: not moved" in out
    assert faults()[0]["system"] == "queue"


def test_stories_and_feedback(mapped, tmp_path):
    header = [
        "编号",
        "所属产品",
        "研发需求名称",
        "描述",
        "当前状态",
        "所处阶段",
        "由谁创建",
        "创建日期",
        "关闭日期",
        "关闭原因",
    ]
    path = tmp_path / "stories.csv"
    path.write_text(
        ",".join(header) + "\n5,智能候诊(#3),老年人优先叫号,描述,已关闭,已发布,陈主任,2026-11-03 10:00:00,"
        '2026-11-20 17:00:00,已完成\n6,BI大屏(#4),=HYPERLINK("x"),d,激活,研发中,陈主任,2026-11-10 10:00:00,,\n',
        encoding="utf-8-sig",
    )
    assert (
        ok("import", "zentao-stories", str(path)) == "2 change request(s) were created, 0 updated, 0 unchanged (csv)\n"
    )
    changes = json.loads(ok("change", "list", "--json"))
    assert [(c["ref"], c["implemented_at"], c["type"]) for c in changes] == [
        ("story#5", "2026-11-20T17:00:00+08:00", "perfective"),
        ("story#6", None, "perfective"),
    ]
    ok("import", "zentao-bugs", write_csv(tmp_path / "bugs.csv", [bug(12)]))
    ok("fault", "respond", "1", "--at", "2026-12-07 09:00")
    ok("fault", "resolve", "1", "--cause", "进程挂死", "--action", "重启服务", "--at", "2026-12-07 09:30")
    rows = json.loads(ok("export", "zentao-feedback", "--json"))
    assert [(r["平台编号"], r["状态"], r["原因分析"], r["处理人"]) for r in rows] == [
        ("12", "已解决", "进程挂死", "tester"),
        ("5", "已交付", None, None),
        ("6", "处理中", None, None),
    ]
    out = tmp_path / "fb.csv"
    ok("export", "zentao-feedback", "-o", str(out))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "'=HYPERLINK" not in raw.decode("utf-8-sig")  # titles are not exported; handling text is
    assert json.loads(ok("export", "zentao-feedback", "--since", "2026-12-01", "--json"))[0]["平台编号"] == "12"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.integers(1, 500),
            st.sampled_from(["激活", "已解决"]),
            st.integers(1, 4),
            st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30),
        ),
        min_size=1,
        max_size=8,
        unique_by=lambda t: t[0],
    )
)
def test_any_valid_export_reimports_without_change(mapped, tmp_path, bugs):
    rows = [
        bug(
            i,
            title=title,
            severity=str(sev),
            status=status,
            resolution="已解决" if status == "已解决" else "",
            resolved="2026-11-03 10:00:00" if status == "已解决" else "0000-00-00 00:00:00",
        )
        for i, status, sev, title in bugs
    ]
    path = write_csv(tmp_path / "p.csv", rows)
    run("import", "zentao-bugs", path)
    before = snapshot(mapped)
    result = run("import", "zentao-bugs", path)
    assert result.exit_code == 0, result.output
    assert snapshot(mapped) == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda t: ("Bug编号,所属产品,Bug标题,创建日期\n" + t).encode("utf-8")),
        st.text(max_size=200).map(lambda t: ('{"bugs": [' + t + "]}").encode("utf-8")),
    )
)
def test_importer_fuzz_never_crashes(mapped, tmp_path, raw):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(raw)
    before = snapshot(mapped)
    result = run("import", "zentao-bugs", str(path))
    assert "Traceback" not in result.output
    if result.exit_code != 0:
        assert result.exit_code in (1, 2) and result.stderr.count("\n") == 1, result.stderr
        assert snapshot(mapped) == before


def test_duplicates_old_rows_drafts_and_module_paths(mapped, tmp_path):
    dup = write_csv(tmp_path / "dup.csv", [bug(12), bug(12, title="again")])
    result = run("import", "zentao-bugs", dup)
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: dup.csv rows 2 and 3 both hold bug#12; export again without duplicates\n",
    )
    ok("import", "map", "智能候诊/叫号屏", "face")  # a module of the product handled as another system
    rows = [
        bug(1, opened="2026-08-20 10:00:00"),
        bug(2, resolution="重复Bug", status="已关闭", resolved="2026-11-03 10:00:00"),
        bug(3),
    ]
    rows[2]["所属模块"] = "/叫号屏/子模块(#31)"
    out = ok("import", "zentao-bugs", write_csv(tmp_path / "b.csv", rows))
    assert out.startswith("1 fault(s) were created")
    assert "bug#1 dates from 2026-08-20, before the contract's service starts (2026-09-01): skipped" in out
    assert "bug#2 was closed as 重复Bug: not a fault, skipped" in out
    got = faults()
    assert [(f["ref"], f["system"]) for f in got] == [("bug#3", "face")]
    # the platform records no response: response and arrival are unknown, not breached
    assert {got[0]["clocks"][c]["state"] for c in ("response", "arrival")} == {"time_unknown"}
    stories = tmp_path / "s.csv"
    stories.write_text(
        "编号,所属产品,需求名称,当前状态,由谁创建,创建日期,关闭日期,关闭原因\n"
        "7,智能候诊(#3),草稿需求,草稿,陈主任,2026-11-03 10:00:00,,\n"
        "8,智能候诊(#3),不做的需求,已关闭,陈主任,2026-11-03 10:00:00,2026-11-05 10:00:00,不做\n",
        encoding="utf-8",
    )
    out = ok("import", "zentao-stories", str(stories))
    assert out.startswith("0 change request(s) were created")
    assert "story#7 is still 草稿: no change request made" in out and "story#8 is closed as 不做" in out


def test_time_unknown_counts_as_not_met_until_the_times_are_recorded(mapped, tmp_path):
    ok("import", "zentao-bugs", write_csv(tmp_path / "b.csv", [bug(13, opened="2026-11-05")]))
    month = json.loads(ok("report", "sla", "--month", "2026-11", "--json"))["summary"]
    response = next(r for r in month if r["clock"] == "response")
    assert (response["tickets"], response["met"], response["time_unknown"], response["compliance"]) == (1, 0, 1, 0.0)
    assert "time unknown" in ok("report", "sla", "--month", "2026-11")
    ok(
        "fault", "edit", "1", "--reason", "记录有误", "--at", "2026-11-05 09:15"
    )  # the report time alone: the response is still unknown
    assert faults()[0]["clocks"]["response"]["state"] == "time_unknown"
    ok("fault", "edit", "1", "--reason", "记录有误", "--responded", "2026-11-05 09:20")
    assert faults()[0]["clocks"]["response"]["state"] == "met"
    response = next(
        r
        for r in json.loads(ok("report", "sla", "--month", "2026-11", "--json"))["summary"]
        if r["clock"] == "response"
    )
    assert (response["met"], response["time_unknown"], response["compliance"]) == (1, 0, 100.0)


def test_reimport_keeps_the_type_given_with_type(mapped, tmp_path):
    path = tmp_path / "stories.csv"
    path.write_text(
        "编号,所属产品,需求名称,当前状态,由谁创建,创建日期\n4,智能候诊(#3),叫号规则调整,激活,陈主任,2026-11-03 10:00:00\n",
        encoding="utf-8",
    )
    ok("import", "zentao-stories", str(path), "--type", "adaptive")
    before = snapshot(mapped)
    assert (
        ok("import", "zentao-stories", str(path)) == "0 change request(s) were created, 0 updated, 1 unchanged (csv)\n"
    )
    assert snapshot(mapped) == before
    assert json.loads(ok("change", "list", "--json"))[0]["type"] == "adaptive"


# -- ZenTao's exports as they come -----------------------------------------------------------------


def _api(tmp_path, *bugs, name="bugs.json"):
    path = tmp_path / name
    path.write_text(
        json.dumps({"page": 1, "total": len(bugs), "limit": 20, "bugs": list(bugs)}, ensure_ascii=False),
        encoding="utf-8",
    )
    return str(path)


def api_bug(id_=21, **extra):
    return {
        "id": id_,
        "product": 3,
        "productName": "智能候诊",
        "module": 7,
        "title": "签到失败",
        "severity": 2,
        "type": "codeerror",
        "status": "active",
        "openedBy": "wang",
        "openedDate": "2026-11-02T01:15:00Z",
        **extra,
    }


def test_an_api_product_id_maps_by_the_name_beside_it(contract, tmp_path):
    ok("import", "map", "智能候诊", "queue")  # the name only, as for a CSV; "3" is not mapped
    assert ok("import", "zentao-bugs", _api(tmp_path, api_bug())).startswith("1 fault(s) were created")
    assert [(f["ref"], f["system"]) for f in faults()] == [("bug#21", "queue")]


def test_a_date_without_a_time_of_day_is_named_and_marked_until_recorded(mapped, tmp_path):
    path = write_csv(tmp_path / "b.csv", [bug(12), bug(13, opened="2026-11-05")])
    hint = (
        "row 3: bug#13 (fault 2) was exported with the date 2026-11-05 but no time of day; its response and "
        'arrival stay unknown until its report time is recorded: opsdesk fault edit 2 --reason "补录报修时间" --at "2026-11-05 HH:MM"'
    )
    assert ok("import", "zentao-bugs", path, "--dry-run").splitlines()[1:] == [hint]
    assert json.loads(ok("import", "zentao-bugs", path, "--json"))["time_unknown"] == [
        {"row": 3, "platform_id": "bug#13", "id": 2, "date": "2026-11-05"}
    ]
    assert [f["time_unknown"] for f in faults()] == [False, True]
    listed = ok("fault", "list").splitlines()
    assert listed[3].startswith("2?\tqueue\tfault\t2026-11-05 ??:??\topen\ttime unknown\ttime unknown\t")
    assert (
        listed[-1]
        == "? report time of day unknown: imported with a date only; record it with `opsdesk fault edit ID --reason ... --at`"
    )
    assert (
        "  report time of day unknown: the platform gave the date only; record it with "
        '`opsdesk fault edit 2 --reason "补录报修时间" --at "2026-11-05 HH:MM"`'
    ) in ok("fault", "show", "2").splitlines()
    assert ok("import", "zentao-bugs", path).splitlines()[1:] == [hint]  # named again until recorded
    ok("fault", "edit", "2", "--reason", "记录有误", "--at", "2026-11-05 09:40")
    assert ok("import", "zentao-bugs", path) == "0 fault(s) were created, 0 updated, 2 unchanged (csv)\n"
    assert "?" not in ok("fault", "list") and "time of day unknown" not in ok("fault", "show", "2")
    assert faults()[1]["time_unknown"] is False


def test_feedback_gives_a_date_only_bug_its_date_not_a_made_up_midnight(mapped, tmp_path):
    ok("import", "zentao-bugs", write_csv(tmp_path / "b.csv", [bug(12), bug(13, opened="2026-11-05")]))
    rows = json.loads(ok("export", "zentao-feedback", "--json"))
    assert [(r["平台编号"], r["报修/提交时间"]) for r in rows] == [
        ("12", "2026-11-02T09:15:00+08:00"),
        ("13", "2026-11-05"),
    ]
    target = tmp_path / "fb.csv"
    ok("export", "zentao-feedback", "-o", str(target))
    cells = [line.split(",")[:5] for line in target.read_text(encoding="utf-8-sig").splitlines()[1:]]
    assert [(c[0], c[4]) for c in cells] == [("12", "2026-11-02 09:15"), ("13", "2026-11-05")]
    ok(
        "fault", "edit", "2", "--reason", "记录有误", "--at", "2026-11-05 09:40"
    )  # the real time recorded: given in full
    assert json.loads(ok("export", "zentao-feedback", "--json"))[1]["报修/提交时间"] == "2026-11-05T09:40:00+08:00"


def test_bug_types_and_severities_map_to_kinds(mapped, tmp_path):
    rows = [bug(1), bug(2, severity="4"), bug(3), bug(4, severity="3")]
    rows[0]["Bug类型"] = "数据错误"
    rows[2]["Bug类型"] = "配置相关"
    ok("import", "map", "配置相关", "data", "--type")
    ok("import", "map", "4", "fault", "--severity")
    ok("import", "zentao-bugs", write_csv(tmp_path / "b.csv", rows))
    assert [(f["ref"], f["kind"]) for f in faults()] == [
        ("bug#1", "data"),
        ("bug#2", "fault"),
        ("bug#3", "data"),
        ("bug#4", "defect"),
    ]
    data = json.loads(ok("import", "maps", "--json"))
    assert data["type"] == {"数据错误": "data", "数据修复": "data", "配置相关": "data"}
    assert "type\t配置相关\tdata" in ok("import", "maps")
    assert ok("verify").startswith("History verified")


def test_feedback_names_who_resolved_and_keeps_an_existing_file(mapped, tmp_path):
    done = bug(12, status="已解决", resolution="已解决", resolved="2026-11-02 11:00:00")
    done["解决者"] = "张伟(#9)"
    header = [*OLD_HEADER]
    ok("import", "zentao-bugs", write_csv(tmp_path / "b.csv", [done, bug(13)], header))
    ok("fault", "respond", "2", "--at", "2026-12-07 09:00")
    ok("fault", "resolve", "2", "--cause", "c", "--action", "a", "--at", "2026-12-07 09:30")
    rows = json.loads(ok("export", "zentao-feedback", "--json"))
    assert [(r["平台编号"], r["处理人"]) for r in rows] == [("12", "张伟"), ("13", "tester")]
    target = tmp_path / "fb.csv"
    target.write_text("the hospital's copy", encoding="utf-8")
    before = snapshot(mapped)
    result = run("export", "zentao-feedback", "-o", str(target))
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {target} already exists; choose another -o or add --force to overwrite it\n",
    )
    assert target.read_text(encoding="utf-8") == "the hospital's copy" and snapshot(mapped) == before
    ok("export", "zentao-feedback", "-o", str(target), "--force")
    assert target.read_text(encoding="utf-8-sig").splitlines()[1].split(",")[8] == "张伟"


NONSENSE = [
    ({"id": "abc"}, "the bug id 'abc' is not a whole number from 1 to 2147483647"),
    ({"id": -5}, "the bug id -5 is not a whole number from 1 to 2147483647"),
    ({"id": 2**63}, "the bug id 9223372036854775808 is not a whole number from 1 to 2147483647"),
    ({"id": {"x": 1}}, 'the bug id {"x": 1} is not a whole number from 1 to 2147483647'),
    ({"id": 1.5}, "the bug id 1.5 is not a whole number from 1 to 2147483647"),
    ({"id": True}, "the bug id true is not a whole number from 1 to 2147483647"),
    ({"title": ["a"]}, 'the title must be text, not list ["a"]'),
    ({"title": 7}, "the title must be text, not int 7"),
    ({"severity": 9}, "severity 9 is not one of ZenTao's severities 1, 2, 3, 4"),
    ({"severity": "0"}, "severity '0' is not one of ZenTao's severities 1, 2, 3, 4"),
    ({"severity": [1]}, "severity [1] is not one of ZenTao's severities 1, 2, 3, 4"),
    (
        {"openedBy": "王\x1b[2J"},
        "由谁创建 contains U+001B, a control character (\\x1b); only printable text, tabs and newlines are accepted",
    ),
    ({"openedDate": 20261102}, "创建日期 20261102 is not a date; ZenTao writes 2026-11-02 09:15:00"),
]


@pytest.mark.parametrize(("fields", "message"), NONSENSE, ids=[m[:40] for _, m in NONSENSE])
def test_nonsense_in_an_export_is_refused_naming_the_row(mapped, tmp_path, fields, message):
    path = _api(tmp_path, api_bug(1), api_bug(2, **fields))
    refused(["import", "zentao-bugs", path], f"bugs.json row 2: {message}", mapped, code=2)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("abc", "the bug id 'abc' is not a whole number from 1 to 2147483647"),
        ("-5", "the bug id '-5' is not a whole number from 1 to 2147483647"),
        (str(2**63), "the bug id '9223372036854775808' is not a whole number from 1 to 2147483647"),
        ("0", "the bug id '0' is not a whole number from 1 to 2147483647"),
    ],
)
def test_nonsense_ids_in_a_csv_are_refused_naming_the_row(mapped, tmp_path, cell, message):
    refused(
        ["import", "zentao-bugs", write_csv(tmp_path / "b.csv", [bug(1), bug(cell)])],
        f"b.csv row 3: {message}",
        mapped,
        code=2,
    )


def test_files_too_large_or_with_endless_lines_are_refused_while_reading(mapped, tmp_path, monkeypatch):
    import tracemalloc

    from opsdesk import infile
    from opsdesk.zentao import files as zentao

    endless = tmp_path / "endless.csv"
    endless.write_bytes(b"\x00" * (11 * 2**20))  # one line of NULs, as /dev/zero would give (a device: refused first)
    tracemalloc.start()
    refused(
        ["import", "zentao-bugs", str(endless)],
        f"{endless} has a line longer than 10 MB; ZenTao exports have none: export the bugs again as CSV (or API JSON)",
        mapped,
        code=2,
    )
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64 * 2**20, peak  # it stopped reading at the stated length
    monkeypatch.setattr(zentao, "MAX_BYTES", 2**20)
    monkeypatch.setattr(infile, "CHUNK", 2**16)
    big = tmp_path / "big.csv"
    write_csv(big, [bug(n, title="长" * 300) for n in range(1, 1500)])
    assert big.stat().st_size > 2**20
    refused(
        ["import", "zentao-bugs", str(big)],
        f"{big} is larger than 1 MB, more than any ZenTao export opsdesk "
        "reads; export fewer bugs at a time (by product or by date)",
        mapped,
        code=2,
    )
    monkeypatch.setattr(zentao, "MAX_LINE", 1000)
    long_line = write_csv(tmp_path / "long.csv", [bug(1), bug(2, title="长" * 400)])
    refused(
        ["import", "zentao-bugs", long_line],
        f"{long_line} has a line longer than 1000 bytes; ZenTao exports "
        "have none: export the bugs again as CSV (or API JSON)",
        mapped,
        code=2,
    )
    monkeypatch.setattr(zentao, "MAX_LINES", 100)
    many = write_csv(tmp_path / "many.csv", [bug(n) for n in range(1, 102)])
    refused(
        ["import", "zentao-bugs", many],
        f"{many} has more than 100 lines, more than any ZenTao export opsdesk reads; "
        "export fewer bugs at a time (by product or by date)",
        mapped,
        code=2,
    )
    items = tmp_path / "many.json"
    items.write_text(json.dumps({"bugs": [{"id": n} for n in range(1, 102)]}), encoding="utf-8")
    refused(
        ["import", "zentao-bugs", str(items)],
        f"{items} holds more than 100 bugs, more than any ZenTao export opsdesk reads; "
        "export fewer bugs at a time (by product or by date)",
        mapped,
        code=2,
    )


def test_a_reimport_that_would_improve_a_seen_verdict_is_reported_not_applied(mapped, tmp_path):
    """October's report showed bug 12's resolution breached; a later export dating the fix back inside
    its target would make it met without the hospital: the import names it and leaves the fault as it was."""
    late = bug(12, status="已解决", resolution="已解决", opened="2026-10-12 09:15:00", resolved="2026-10-20 11:00:00")
    ok("import", "zentao-bugs", write_csv(tmp_path / "bugs.csv", [late]), now=at("2026-10-21", "09:00"))
    ok("report", "monthly", "2026-10", "-o", str(tmp_path / "m.xlsx"), now=at("2026-11-02", "09:00"))
    before = snapshot(mapped)
    early = {**late, "解决日期": "2026-10-12 11:00:00", "最后修改日期": "2026-11-02 10:00:00"}
    out = ok("import", "zentao-bugs", write_csv(tmp_path / "bugs2.csv", [early]), now=at("2026-11-03", "09:00"))
    assert (
        "fault 1: the platform's changes to resolved_at would change resolution breached → met, and the hospital "
        "has seen its verdicts (the monthly report of 2026-10 was delivered at 2026-11-02 09:00): not applied; "
        'ask for them with `opsdesk fault edit 1 ... --reason "..."`'
    ) in out
    assert snapshot(mapped) == before
