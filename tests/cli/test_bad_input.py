"""The bad-input matrix: every kind of wrong input, over the commands, gets one line and writes nothing."""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import ok, refused, run, snapshot

LONG = "长" * 10_000
CSV = "item,result,verdict,note\n实例与监听状态,正常,ok,\n"

CASES = [
    # unknown ids
    (["fault", "respond", "999"], 1),
    (["fault", "show", "999"], 1),
    (["fault", "explain", "999"], 1),
    (["fault", "edit", "999", "--reason", "记录有误", "--cause", "x"], 1),
    (["fault", "note", "999", "x"], 1),
    (["change", "show", "999"], 1),
    (["change", "implement", "999"], 1),
    (["change", "accept", "999", "--by", "x"], 1),
    (["inspect", "risk", "999", "x", "--level", "low", "--remedy", "r"], 1),
    (["inspect", "risk-done", "999"], 1),
    (["confirm", "fault", "999", "--by", "x"], 1),
    (["confirm", "work", "999", "--by", "x"], 1),
    (["staff", "end", "nobody", "--at", "2026-12-01"], 1),
    # unknown system
    (["fault", "open", "pacs", "x"], 1),
    (["change", "open", "pacs", "x", "--type", "adaptive"], 1),
    (["training", "add", "pacs", "t", "--trainer", "a", "--attendees", "3", "--hours", "1"], 1),
    (["work", "log", "pacs", "x", "--type", "os"], 1),
    (["system", "rename", "pacs", "y"], 1),
    (["import", "map", "产品", "pacs"], 1),
    (["fault", "list", "--system", "pacs"], 1),
    (["inspect", "template", "show", "pacs"], 1),
    (["change", "list", "--system", "pacs"], 1),
    # empty and huge text
    (["fault", "open", "queue", ""], 2),
    (["fault", "note", "1", "  "], 2),
    (["fault", "open", "queue", LONG], 2),
    (["change", "open", "queue", "", "--type", "adaptive"], 2),
    (["work", "log", "queue", LONG, "--type", "os"], 2),
    (["fault", "resolve", "1", "--cause", "", "--action", "a"], 2),
    (["system", "add", "pacs", ""], 2),
    (["system", "add", "p a c s", "影像"], 2),
    (["calendar", "add-holiday", "2026-12-24", "--note", ""], 2),
    # months and dates that do not exist
    (["fault", "list", "--month", "2026-13"], 2),
    (["report", "sla", "--month", "2026-13"], 2),
    (["report", "monthly", "2026-13"], 2),
    (["calendar", "show", "2026-13"], 2),
    (["inspect", "gaps", "--month", "2026-13"], 2),
    (["inspect", "list", "--month", "13-2026"], 2),
    (["calendar", "add-holiday", "2026-02-30", "--note", "x"], 2),
    (["report", "acceptance", "--to", "2026-02-30"], 2),
    (["report", "sla", "--from", "2026-02-30", "--to", "2026-03-01"], 2),
    (["staff", "add", "a", "--role", "r", "--phone", "1", "--email", "a@b.c", "--from", "2026-02-30"], 2),
    (["fault", "open", "queue", "x", "--at", "2026-02-30 10:00"], 2),
    (["fault", "open", "queue", "x", "--at", "25:61"], 2),
    (["inspect", "risk", "1", "x", "--level", "low", "--remedy", "r", "--due", "2026-02-30"], 2),
    # periods outside the contract's service (2026-09-01 to 2027-08-31)
    (["report", "monthly", "2026-08"], 2),
    (["report", "monthly", "2027-09"], 2),
    (["report", "sla", "--month", "2026-08"], 2),
    (["report", "sla", "--from", "2026-01-01", "--to", "2026-08-31"], 2),
    (["report", "acceptance", "--to", "2026-08-31"], 2),
    (["inspect", "gaps", "--month", "2026-08"], 2),
    # wrong values
    (["fault", "open", "queue", "x", "--kind", "hardware"], 2),
    (["fault", "open", "queue", "x", "--channel", "fax"], 2),
    (["change", "open", "queue", "x", "--type", "cosmetic"], 2),
    (["work", "log", "queue", "x", "--type", "nap"], 2),
    (["work", "list", "--type", "backups"], 2),
    (["staff", "add", "a", "--role", "r", "--phone", "abc", "--email", "a@b.c"], 2),
    (["training", "add", "queue", "t", "--trainer", "a", "--attendees", "0", "--hours", "1"], 2),
    (["training", "add", "queue", "t", "--trainer", "a", "--attendees", "3", "--hours", "99"], 2),
    (["contract", "set", "response_inside_min", "soon"], 2),
    (["contract", "set", "timezone", "Mars/Olympus"], 2),
    (["import", "map", "9", "fault", "--severity"], 2),
    (["fault", "explain", "1", "sideways"], 2),
    (["report", "monthly", "2026-11", "--lang", "fr"], 2),
    (["backup", "--keep", "0"], 2),
    (["demo", "--months", "0"], 2),
    (["fault", "list", "--bogus"], 2),
    (["fault", "respond", "one"], 2),
    (["calendar", "confirm", "1999"], 1),
    (["calendar", "check", "99999"], 2),
    # files
    (["confirm", "import", "notes.txt"], 2),
    (["confirm", "import", "missing.xlsx"], 1),
    (["import", "zentao-bugs", "missing.csv"], 1),
    (["import", "zentao-bugs", "notes.txt"], 2),
    (["inspect", "queue", "--from-file", "missing.csv"], 1),
    (["inspect", "template", "set", "queue", "notes.txt"], 2),
    (["restore", "notes.txt"], 1),
]


@pytest.fixture
def populated(contract, tmp_path, monkeypatch):
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "09:00")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("just some notes\n", encoding="utf-8")
    return contract


@pytest.mark.parametrize(("args", "code"), CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_input_matrix(populated, args, code):
    before = snapshot(populated)
    result = run(*args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert snapshot(populated) == before


@pytest.mark.parametrize(
    "text", ["😀 叫号屏黑屏 🏥", "叫号屏 ABC 混合 ⅰⅱ", "'; DROP TABLE ticket; --", "=1+1", "a\nb\tc"]
)
def test_odd_but_valid_text_is_kept_exactly(populated, text):
    ok("fault", "open", "queue", text)
    assert json.loads(ok("fault", "show", "2", "--json"))["symptom"] == text.strip()
    assert json.loads(ok("verify", "--json"))["ok"]


def test_times_with_other_offsets_are_converted(populated):
    ok("fault", "open", "queue", "x", "--at", "2026-12-07T01:00:00+00:00")
    ok("fault", "respond", "2", "--at", "2026-12-06T20:10-05:00")
    data = json.loads(ok("fault", "show", "2", "--json"))
    assert (data["reported_at"], data["responded_at"]) == ("2026-12-07T09:00:00+08:00", "2026-12-07T09:10:00+08:00")


@pytest.mark.parametrize("target", ["missing-dir/none.db", ".", "notes.txt"])
def test_bad_db_paths(populated, target):
    result = run("--db", target, "status")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only files anyway")
def test_read_only_database(populated):
    os.chmod(populated, 0o400)
    try:
        result = run("fault", "open", "queue", "x")
        assert result.exit_code == 1
        assert "read-only" in result.stderr
    finally:
        os.chmod(populated, 0o600)


def test_periods_at_the_service_edges_are_accepted(contract):
    assert "Every system" not in ok("inspect", "gaps", "--month", "2026-09")  # the first month: all five owed
    assert ok("report", "sla", "--from", "2026-08-01", "--to", "2026-09-01").startswith(
        "# SLA 2026-09-01 to 2026-09-01"  # clipped to the service: nothing is owed before it starts
    )
    assert run("report", "sla", "--month", "2027-08", "--json").exit_code == 0
    assert json.loads(ok("report", "acceptance", "--to", "2027-09-30", "--json"))["last"] == "2027-08-31"
    assert run("report", "monthly", "2026-09", "--json").exit_code == 0  # the first month
    assert run("report", "monthly", "2027-08", "--json").stderr.startswith("Error: 2027-08 has not begun")  # the last
    assert run("report", "sla", "--month", "2027-09").stderr == (
        "Error: month 2027-09 is outside the contract's service period, 2026-09-01 to 2027-08-31\n"
    )


# -- hostile input: one line naming the field, nothing written ----------------------------------

CONTROL = "only printable text, tabs and newlines are accepted"
AS_ANOTHER = "which can make one name print as another; a name takes visible characters only"
OUTSIDE = "is outside the years 2000-2099 opsdesk keeps records for"
HOSTILE = [
    (
        ["fault", "open", "queue", "叫号\x1b]0;owned\x07屏"],
        f"the symptom contains U+001B, a control character (\\x1b); {CONTROL}",
    ),
    (
        ["fault", "open", "queue", "x", "--reporter", "a\x9b2Jb"],
        f"--reporter contains U+009B, a control character (\\x9b); {CONTROL}",
    ),
    (
        ["fault", "open", "queue", "x", "--dept", "a\rb"],
        f"--dept contains U+000D, a control character (\\r); {CONTROL}",
    ),
    (["fault", "note", "1", "a\x00b"], f"the note contains U+0000, a control character (\\x00); {CONTROL}"),
    (
        ["fault", "open", "queue", "叫号\uffff"],
        "the symptom contains U+FFFF, a character XML 1.0 forbids, which no workbook can hold; remove it",
    ),
    (
        ["change", "open", "queue", "\ufffe需求", "--type", "adaptive"],
        "the title contains U+FFFE, a character XML 1.0 forbids, which no workbook can hold; remove it",
    ),
    (
        ["staff", "add", "张伟", "--role", "r", "--phone", "138", "--email", "a\x7f@b.c"],
        f"--email contains U+007F, a control character (\\x7f); {CONTROL}",
    ),
    (
        ["fault", "open", "queue", "ab\udcff"],
        "the argument 'ab\\xff' holds bytes that are not UTF-8; opsdesk takes UTF-8 text",
    ),
    (
        ["--by", "x" * 5001, "fault", "open", "queue", "x"],
        "--by (or OPSDESK_USER) is 5001 characters long; at most 5000 are accepted",
    ),
    (
        ["--by", "a\x1bb", "fault", "open", "queue", "x"],
        f"--by (or OPSDESK_USER) contains U+001B, a control character (\\x1b); {CONTROL}",
    ),
    (
        ["staff", "add", "张伟", "--role", "r", "--phone", "138", "--email", "@" * 5001],
        "--email is 5001 characters long; at most 5000 are accepted",
    ),
    (
        ["contract", "set", "response_inside_min", "99999999999", "--retroactive"],
        "response_inside_min must be a whole number of at least 1 and at most 10080 (7 days), got 99999999999",
    ),
    (
        ["contract", "set", "resolve_fault_days", "400"],
        "resolve_fault_days must be a number of days above 0 and at most 365 (working days), got 400",
    ),
    (
        ["contract", "set", "warranty_months", "121"],
        "warranty_months must be a whole number of at least 0 and at most 120 (months, 10 years), got 121",
    ),
    (["report", "monthly", "0000-01"], "month 0000-01 is outside the years 2000-2099 opsdesk keeps records for"),
    (["report", "monthly", "9999-12"], "month 9999-12 is outside the years 2000-2099 opsdesk keeps records for"),
    (["report", "sla", "--month", "9999-12"], "month 9999-12 is outside the years 2000-2099 opsdesk keeps records for"),
    (["fault", "list", "--month", "0000-01"], "month 0000-01 is outside the years 2000-2099 opsdesk keeps records for"),
    # names that print as another's: a text-direction control, a zero-width character
    (
        ["staff", "add", "张\u200b伟", "--role", "r", "--phone", "138", "--email", "a@b.c"],
        f"the name contains U+200B, an invisible (zero-width) character, {AS_ANOTHER}",
    ),
    (
        ["--by", "陈\u200d主任", "fault", "open", "queue", "x"],
        f"--by (or OPSDESK_USER) contains U+200D, an invisible (zero-width) character, {AS_ANOTHER}",
    ),
    (
        ["fault", "open", "queue", "x", "--reporter", "王\u2066护士"],
        f"--reporter contains U+2066, a text-direction control, {AS_ANOTHER}",
    ),
    (
        ["fault", "assign", "1", "\ufeff张伟"],
        f"the owner contains U+FEFF, an invisible (zero-width) character, {AS_ANOTHER}",
    ),
    (
        ["change", "open", "queue", "t", "--type", "adaptive", "--requested-by", "\u202e任主陈 科息信"],
        f"--requested-by contains U+202E, a text-direction control, {AS_ANOTHER}",
    ),
    # a web address that is not one line
    (
        ["alert", "add", "wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc\nhttps://evil.example/x"],
        "the URL contains U+000A (\\n); a web address holds no spaces, line breaks or control characters: give the "
        "WeCom group robot's webhook URL on one line",
    ),
    (
        ["alert", "add", "webhook", "https://example.com/hook?a=1 b"],
        "the URL contains U+0020 ( ); a web address holds no spaces, line breaks or control characters: give the "
        "webhook URL on one line",
    ),
    # days no contract reaches
    (["calendar", "add-holiday", "1900-01-01", "--note", "x"], f"date 1900-01-01 {OUTSIDE}"),
    (["calendar", "add-workday", "1900-01-06", "--note", "x"], f"date 1900-01-06 {OUTSIDE}"),
    (
        ["staff", "add", "张伟", "--role", "r", "--phone", "138", "--email", "a@b.c", "--from", "1900-01-01"],
        f"date 1900-01-01 {OUTSIDE}",
    ),
]


@pytest.mark.parametrize(("args", "message"), HOSTILE, ids=[repr(" ".join(a))[:60] for a, _ in HOSTILE])
def test_hostile_input_is_refused_naming_the_field(populated, args, message):
    refused(args, message, populated, code=2)


def test_hostile_files_are_refused(populated, tmp_path):
    (tmp_path / "surrogate.json").write_text(
        '{"bugs": [{"id": 1, "title": "\\ud800", "product": "p", "openedDate": "2026-11-02"}]}', encoding="utf-8"
    )
    (tmp_path / "deep.json").write_text("[" * 100_000, encoding="utf-8")
    (tmp_path / "deep2.json").write_text('{"bugs": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    for name, message in (
        (
            "surrogate.json",
            "surrogate.json row 1: the title contains U+D800, not a character: bytes that are not "
            "UTF-8, or a lone surrogate; give UTF-8 text",
        ),
        ("deep.json", "deep.json is JSON nested too deeply to be a ZenTao export; save the API answer as it came"),
        ("deep2.json", "deep2.json is JSON nested too deeply to be a ZenTao export; save the API answer as it came"),
    ):
        refused(["import", "zentao-bugs", name], message, populated, code=2)


def test_a_confirmer_or_a_day_before_the_contracts_calendar_is_refused(populated):
    ok("fault", "respond", "1", "--at", "09:10")
    ok("fault", "arrive", "1", "--at", "09:30")
    ok("fault", "resolve", "1", "--cause", "c", "--action", "a", "--at", "10:00")
    refused(
        ["fault", "confirm", "1", "--by", "\u202e任主陈 科息信"],  # prints as 信息科 陈主任
        f"--by contains U+202E, a text-direction control, {AS_ANOTHER}",
        populated,
        code=2,
    )
    refused(
        ["calendar", "add-holiday", "2025-10-01", "--note", "国庆"],
        "2025-10-01 is before the contract's calendar, which starts on 2026-01-01 (the service starts 2026-09-01); "
        "no deadline of the contract reaches it",
        populated,
    )
    refused(
        ["staff", "add", "张伟", "--role", "r", "--phone", "138", "--email", "a@b.c", "--from", "2025-12-31"],
        "--from 2025-12-31 is before the contract's calendar, which starts on 2026-01-01; give the first day this "
        "person works on the contract (the default: its start, 2026-09-01)",
        populated,
    )


def test_direction_controls_and_invisible_characters_in_free_text_are_shown(populated):
    ok("fault", "note", "1", "改为\u202e已处理\u200b")  # free text keeps what was typed
    for env in ({}, {"OPSDESK_FORCE_TERMINAL": "1"}):
        out = run("fault", "show", "1", env=env).stdout
        assert "改为<U+202E>已处理<U+200B>" in out and "\u202e" not in out and "\u200b" not in out
    notes = json.loads(ok("fault", "show", "1", "--json"))["notes"]
    assert notes[-1]["text"] == "改为\u202e已处理\u200b"  # scripts get it exactly


# -- hostile files: not a regular file, or beyond a limit; refused before parsing, never waited on ----

FIFO, FOLDER = "<fifo>", "<folder>"
PIPE = "is a named pipe (FIFO), not a file; give"
HOSTILE_FILES = [
    (["import", "zentao-bugs", FIFO], f"{FIFO} {PIPE} a ZenTao export file (CSV or API JSON)", 2),
    (
        ["import", "zentao-stories", FOLDER],
        f"{FOLDER} is a directory, not a file; give a ZenTao export file (CSV or API JSON)",
        2,
    ),
    (
        ["import", "zentao-bugs", "/dev/zero"],
        "/dev/zero is a device, not a file; give a ZenTao export file (CSV or API JSON)",
        2,
    ),
    (["inspect", "run", "queue", "--from-file", FIFO], f"{FIFO} {PIPE} a CSV file", 2),
    (["inspect", "run", "queue", "--from-file", "/dev/zero"], "/dev/zero is a device, not a file; give a CSV file", 2),
    (["inspect", "run", "queue", "--from-file", FOLDER], f"{FOLDER} is a directory, not a file; give a CSV file", 2),
    (["inspect", "template", "set", "queue", FIFO], f"{FIFO} {PIPE} a CSV file", 2),
    (["restore", FIFO], f"{FIFO} {PIPE} a backup made by `opsdesk backup`", 2),
    (["verify", "--against", FIFO], f"{FIFO} {PIPE} a workbook opsdesk exported (.xlsx)", 2),
    (["--db", FIFO, "status"], f"{FIFO} {PIPE} an opsdesk database file as --db", 2),
    (["--db", "/dev/zero", "status"], "/dev/zero is a device, not a file; give an opsdesk database file as --db", 2),
]


@pytest.fixture
def never_hangs():
    """A command that waited on a pipe would stop the suite: it fails the test instead."""
    import signal

    def hung(*_args):
        raise AssertionError("the command waited on the file")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(
    ("args", "message", "code"), HOSTILE_FILES, ids=[" ".join(a)[:60] for a, _, _ in HOSTILE_FILES]
)
def test_a_pipe_a_device_or_a_folder_is_refused_without_waiting(populated, tmp_path, never_hangs, args, message, code):
    fifo, folder = tmp_path / "results.csv", tmp_path / "folder.csv"
    os.mkfifo(fifo)
    folder.mkdir()
    names = {FIFO: str(fifo), FOLDER: str(folder)}
    for placeholder, name in names.items():
        message = message.replace(placeholder, name)
    refused([names.get(a, a) for a in args], message, populated, code=code)


def test_an_inspection_csv_beyond_its_limits_is_refused(populated, tmp_path):
    from opsdesk.contract.inspections import CSV_LIMITS

    rows = tmp_path / "rows.csv"
    rows.write_text("item,result,verdict,note\n" + "服务与进程状态,正常,ok,\n" * CSV_LIMITS.max_lines, encoding="utf-8")
    wide = tmp_path / "wide.csv"
    wide.write_text("item,result,verdict,note\n服务与进程状态,正常,ok," + "长" * 30_000 + "\n", encoding="utf-8")
    big = tmp_path / "big.csv"
    big.write_text(
        "item,result,verdict,note\n" + ("服务与进程状态,正常,ok," + "长" * 10_000 + "\n") * 40, encoding="utf-8"
    )
    for path, message in (
        (rows, f"{rows} has more than 5,000 lines, more than any inspection CSV opsdesk reads; "),
        (wide, f"{wide} has a line longer than 64 KB; inspection CSVs have none: save it again as CSV"),
        (big, f"{big} is larger than 1 MB, more than any inspection CSV opsdesk reads; "),
    ):
        fewer = "a CSV holds one system's checklist or one inspection's results" if "longer" not in message else ""
        refused(["inspect", "run", "queue", "--from-file", str(path)], message + fewer, populated, code=2)


def _workbook(tmp_path, name="r.xlsx"):
    ok("report", "monthly", "2026-12", "-o", str(tmp_path / name))
    return tmp_path / name


def test_a_corrupt_or_foreign_workbook_is_a_usage_error(populated, tmp_path):
    import zipfile

    good = _workbook(tmp_path).read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(good[: len(good) // 2])
    with zipfile.ZipFile(tmp_path / "other.xlsx", "w") as z:
        z.writestr("hello.txt", "not a workbook")
    with zipfile.ZipFile(tmp_path / "r.xlsx") as src, zipfile.ZipFile(tmp_path / "ffff.xlsx", "w") as dst:
        for item in src.infolist():  # a workbook some other tool wrote with a character XML forbids
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = data.replace(
                    b"</sheetData>",
                    '<row r="999"><c r="A999" t="inlineStr"><is><t>\uffff</t></is></c></row></sheetData>'.encode(),
                )
            dst.writestr(item, data)
    for name in ("cut.xlsx", "other.xlsx", "ffff.xlsx"):
        message = f"{name} is not a readable .xlsx workbook (damaged, truncated or another format)"
        refused(["confirm", "import", name], message, populated, code=2)


def test_stored_control_characters_are_shown_not_obeyed(populated, tmp_path):
    from tests.conftest import connect

    conn = connect(populated)  # text stored before opsdesk refused it
    conn.execute(
        "UPDATE ticket SET symptom = ?, cause = ? WHERE id = 1", ("黑屏\x1b[2J\x1b]0;owned\x07", "a\x9bb\uffff")
    )
    conn.commit()
    conn.close()
    for env in ({}, {"OPSDESK_FORCE_TERMINAL": "1"}):
        out = run("fault", "show", "1", env=env).stdout
        assert "黑屏\\x1b[2J\\x1b]0;owned\\x07" in out and "a\\x9bb" in out
        assert "\x1b]0" not in out and "\x07" not in out and "\x9b" not in out
        listed = run("fault", "list", env=env).stdout
        assert "\x1b[2J" not in listed and "\x1b]0" not in listed and "\x07" not in listed
    assert "黑屏\\x1b[2J" in ok("fault", "list")
    assert json.loads(ok("fault", "show", "1", "--json"))["symptom"] == "黑屏\x1b[2J\x1b]0;owned\x07"  # JSON escapes it
    # never written into a workbook: it opens, and reads back
    from openpyxl import load_workbook

    path = _workbook(tmp_path)
    cells = [c for ws in load_workbook(path).worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert not any(isinstance(c, str) and ("\uffff" in c or "\x1b" in c) for c in cells)
    assert any(isinstance(c, str) and c.startswith("黑屏") for c in cells)
    assert run("confirm", "import", str(path)).exit_code == 0
