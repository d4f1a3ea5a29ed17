"""What people see on a terminal: screens that fit 80, 100 and 160 columns without cutting an id,
a number or a word, with every open fault's deadline as a local time on the line that names it.

Rendering is the same whatever the store, so these run on SQLite only; the store tests run on both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from rich.cells import cell_len

from tests.conftest import at, ok, run

pytestmark = pytest.mark.sqlite_only  # rendering only
WIDTHS = (80, 100, 160)
SUNDAY = at("2026-11-29", "11:10")
LONG = "3号诊区叫号屏黑屏并且候诊患者无法看到叫号信息需要紧急处理的很长的故障描述"


@pytest.fixture
def desk_of_faults(contract):
    """112 faults in November (ids up to three digits), the last five still open over the weekend;
    seeded through the library in one transaction."""
    from opsdesk.desk import Desk
    from opsdesk.faults import tickets as faults
    from opsdesk.store.engine import open_store

    store = open_store(contract)
    try:
        with store.transaction() as session:
            for n in range(1, 113):
                reported = at("2026-11-02", "09:00").replace(day=2 + n % 25, hour=8 + n % 9)
                desk = Desk(session, "tester", reported)
                faults.open_fault(desk, "queue" if n % 2 else "bi", f"{LONG}{n}", at=reported)
                if n < 108:
                    faults.respond(desk, n, at=reported)
                    faults.resolve(desk, n, cause="c", action="a", at=reported)
    finally:
        store.close()
    return contract


def screen(width: int, *args: str) -> list[str]:
    result = run(*args, now=SUNDAY, env={"OPSDESK_FORCE_TERMINAL": "1", "COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("command", [["status"], ["fault", "list", "--open"]])
def test_open_faults_show_their_whole_id_and_deadline_as_a_time(desk_of_faults, width, command):
    lines = screen(width, *command)
    assert all(cell_len(ln) <= width for ln in lines), [ln for ln in lines if cell_len(ln) > width]
    open_faults = json.loads(ok("fault", "list", "--open", "--json", now=SUNDAY))
    assert [f["id"] for f in open_faults] == [108, 109, 110, 111, 112] or len(open_faults) == 5
    for fault in open_faults:
        row = next(ln for ln in lines if ln.split() and ln.split()[0].rstrip("*") == str(fault["id"]))
        clock = fault["clocks"]["resolution"]  # an overdue clock says since when: the moment it breached
        deadline = clock["met_until" if clock["state"] == "overdue" else "deadline"][5:16].replace("T", " ")
        assert deadline in row, "\n".join(lines)


@pytest.mark.parametrize("width", WIDTHS)
def test_long_text_is_shortened_with_an_ellipsis_never_cut(desk_of_faults, width):
    for ln in screen(width, "fault", "list", "--open"):
        if LONG[:6] in ln:
            shown = ln[ln.index(LONG[:6]) :].rstrip()
            assert shown.endswith("…") or shown[len(LONG) :].isdigit(), shown


@pytest.mark.parametrize("width", WIDTHS)
def test_the_sla_table_abbreviates_headings_rather_than_breaking_them(desk_of_faults, width):
    lines = screen(width, "report", "sla", "--month", "2026-11")
    assert all(cell_len(ln) <= width for ln in lines)
    header = next(ln for ln in lines if ln.startswith("clock"))
    assert header.split()[:3] in (["clock", "tickets", "met"], ["clock", "n", "met"])
    assert "breached" in header.split() or "brch" in header.split()  # never "late": that is a step typed late
    assert "late" not in header.split()
    for name in ("response", "arrival", "resolution"):
        assert any(ln.startswith(name) for ln in lines), name


@pytest.mark.parametrize("width", WIDTHS)
def test_an_open_breached_fault_is_listed_once_in_status(desk_of_faults, width):
    rows = [ln for ln in screen(width, "status") if ln.split() and ln.split()[0].rstrip("*") == "112"]
    assert len(rows) == 1


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
def test_status_through_a_real_pseudo_terminal_at_80_columns(desk_of_faults, store_env):
    text = through_a_pty(["status"], 80, store_env, codes=(0,))  # the real clock: the five stay open
    lines = text.splitlines()
    assert all(cell_len(ln) <= 80 for ln in lines), text
    for fault_id in (108, 109, 110, 111, 112):
        assert any(ln.split() and ln.split()[0] == str(fault_id) for ln in lines), text


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    ok("demo", "--db", str(db), "--months", "3", "--seed", "3", now=SUNDAY)  # the same demo whenever it runs
    return db


SYSTEMS = {"queue", "cdss", "face", "avatar"}  # ("bi" is too short to count as a word)


def _words(text: str) -> set[str]:
    import re

    return set(re.findall(r"[A-Za-z]{3,}", text))


@pytest.mark.parametrize(
    ("command", "left_out"),
    [
        (["contract", "show"], set()),
        (["inspect", "risks"], {"month"}),
        (["fault", "explain", "HOLIDAY", "resolution"], {"why", "counted", "not"}),  # the heading's short form
        (["inspect", "gaps"], set()),
        (["fault", "exceptions"], {"system", "asked", "hospital", "by", *SYSTEMS}),  # columns left out
    ],
)
def test_no_word_is_split_at_80_columns(demo_store, command, left_out):
    """Every word the plain output has is whole on the 80-column screen, every column still there."""
    if "HOLIDAY" in command:  # a fault whose resolution clock waited over National Day's day in lieu
        faults = json.loads(ok("--db", str(demo_store), "fault", "list", "--json", now=SUNDAY))
        near = [f["id"] for f in faults if "2026-10-01" <= f["reported_at"][:10] <= "2026-10-05"]
        holiday = next(
            n for n in near if "补假" in ok("--db", str(demo_store), "fault", "explain", str(n), "resolution")
        )
        command = [str(holiday) if part == "HOLIDAY" else part for part in command]
    shown = run("--db", str(demo_store), *command, env={"OPSDESK_FORCE_TERMINAL": "1", "COLUMNS": "80"})
    plain = run("--db", str(demo_store), *command)
    assert shown.exit_code == plain.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert all(cell_len(ln) <= 80 for ln in lines), [ln for ln in lines if cell_len(ln) > 80]
    assert _words(plain.stdout) - _words(shown.stdout) <= left_out
    if command[1] == "exceptions":  # the fault each request is on stays; a refused one changes nothing
        assert lines[2].split()[:2] == ["id", "fault"] and "none: refused" in shown.stdout
    if command[1] == "explain":
        assert "(国庆节（补假）)" in shown.stdout


def column_text(lines: list[str], heading: str) -> str:
    """The text of one column of a Rich table on a screen, its wrapped lines joined: each line cut at
    the cells where the heading's column starts and the next one starts."""
    from rich.cells import cell_len

    at = next(i for i, ln in enumerate(lines) if f" {heading} " in f" {ln} ")
    header = lines[at]
    start = cell_len(header[: header.index(heading)])
    after = header[header.index(heading) + len(heading) :]
    rest = len(after) - len(after.lstrip(" "))
    end = start + cell_len(heading) + rest if after.strip() else 10_000

    def cut(ln: str) -> str:
        out, pos = [], 0
        for ch in ln:
            if start <= pos < end:
                out.append(ch)
            pos += cell_len(ch)
        return "".join(out).strip()

    body = lines[at + 2 :]
    body = body[: next((i for i, ln in enumerate(body) if not ln.strip()), len(body))]  # to the table's end
    return "".join(cut(ln) for ln in body)


REASON = "重复报障，与故障 1 为同一问题（HIS-2041 接口超时），院方信息科已电话确认同意作废"


@pytest.mark.parametrize("width", (80, 100))
def test_an_exception_requests_reason_is_shown_whole(contract, width):
    """The reason of an exception request, on the screens that list requests: never left out or cut."""
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-11-27 09:00", now=at("2026-11-27", "09:00"))
    ok("fault", "open", "queue", "叫号屏不显示", "--at", "2026-11-27 09:03", now=at("2026-11-27", "09:03"))
    ok("fault", "void", "2", "--reason", REASON, "--duplicate-of", "1", now=at("2026-11-27", "09:10"))
    whole = REASON.replace(" ", "")
    assert whole in column_text(screen(width, "fault", "exceptions"), "reason").replace(" ", "")
    show = screen(width, "fault", "show", "2")
    requests = show[next(i for i, ln in enumerate(show) if "Exception requests" in ln) :]
    assert whole in column_text(requests, "reason").replace(" ", "")
    pending = column_text(screen(width, "confirm", "pending"), "what").replace(" ", "")
    assert "voidoffault2:" + whole in pending


def through_a_pty(args: list[str], width: int, db, codes: tuple[int, ...] = (0, 1)) -> str:
    """What a command shows on a real pseudo-terminal ``width`` columns wide (escapes removed); it
    must exit with one of ``codes``."""
    import fcntl
    import pty
    import re
    import struct
    import termios

    main_fd, child_fd = pty.openpty()
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, width, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "OPSDESK_FORCE_TERMINAL")}
    env.update(OPSDESK_DB=str(db), TERM="xterm-256color", OPSDESK_USER="tester")
    proc = subprocess.Popen(
        [sys.executable, "-m", "opsdesk", *args],
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        env=env,
        close_fds=True,
    )
    os.close(child_fd)
    chunks = []
    while True:
        try:
            data = os.read(main_fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(main_fd)
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", b"".join(chunks).decode("utf-8", "replace")).replace("\r", "")
    assert proc.returncode in codes, text
    return text


_PIPED: dict[tuple[str, ...], str] = {}


def piped(command: tuple[str, ...], db) -> str:
    """What a command writes to a pipe (tab-separated, nothing cut), on the real clock as the terminal's
    run is (the clock cannot be set from outside); read once per command."""
    if command not in _PIPED:
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "OPSDESK_FORCE_TERMINAL")}
        env.update(OPSDESK_DB=str(db), OPSDESK_USER="tester")
        done = subprocess.run([sys.executable, "-m", "opsdesk", *command], capture_output=True, env=env, timeout=60)
        _PIPED[command] = done.stdout.decode()
    return _PIPED[command]


@pytest.fixture(scope="module")
def busy_store(demo_store, tmp_path_factory):
    """A copy of the demo, with what the listings show besides: exception requests with long reasons, an
    edit, channels that cannot be reached and the alerts they failed to take."""
    import shutil

    copy = tmp_path_factory.mktemp("busy") / "busy.db"
    shutil.copy(demo_store, copy)
    db = ["--db", str(copy)]
    faults = json.loads(ok(*db, "fault", "list", "--open", "--json", now=SUNDAY))
    first, last = faults[0]["id"], faults[-1]["id"]
    ok(*db, "fault", "void", str(last), "--reason", REASON, now=SUNDAY)
    edit = ["fault", "edit", str(first), "--reason", "补录报修人及其科室信息（电话核实，HIS-2041）"]
    ok(*db, *edit, "--reporter", "王护士长", now=SUNDAY)
    ok(*db, "alert", "add", "webhook", "http://127.0.0.1:9/hooks/opsdesk/alerts/v2", "--name", "hook", now=SUNDAY)
    ok(*db, "alert", "add", "dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=abc", "--name", "ding")
    ok(*db, "witness", "add", "webhook", "http://127.0.0.1:9/hooks/hospital/witness/daily", "--name", "xxk", now=SUNDAY)
    run(*db, "alert", "run", env={"no_proxy": "*"}, now=SUNDAY)
    return copy, first


SHORT_HEADINGS = {"ovd", "unk", "exc", "accept", "run", "rec", "brch", "clocks"}  # a narrow layout's headings
LISTINGS = [
    ["status"],
    ["fault", "list"],
    ["fault", "list", "--open"],
    ["fault", "show", "OPEN"],
    ["fault", "exceptions"],
    ["change", "list"],
    ["change", "show", "1"],
    ["inspect", "list"],
    ["inspect", "risks"],
    ["inspect", "gaps"],
    ["training", "list"],
    ["work", "list"],
    ["staff", "list"],
    ["system", "list"],
    ["alert", "list"],
    ["alert", "log"],
    ["witness", "list"],
    ["witness", "log"],
    ["confirm", "pending"],
    ["report", "sla"],
    ["contract", "show"],
    ["calendar", "show", "2026-12"],
]


def _screen_words(text: str) -> set[str]:
    """The words on a screen, but one a shortened text ends with (``Chrom…``): a split word leaves
    pieces (``nam`` / ``e``) that are no word of the plain output."""
    import re

    return set(re.findall(r"[A-Za-z]{3,}(?!…)(?![A-Za-z])", text))


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
@pytest.mark.parametrize("width", (80, 100))
@pytest.mark.parametrize("command", LISTINGS, ids=" ".join)
def test_every_listing_fits_a_pseudo_terminal_with_no_word_or_id_split(busy_store, command, width):
    """Through a real pseudo-terminal: no line longer than the terminal; no word split (every word on
    the screen is one of the plain output's, or a heading's short form); every id whole."""
    import re

    db, first = busy_store
    command = [str(first) if part == "OPEN" else part for part in command]
    shown = through_a_pty(command, width, db)
    plain = piped(tuple(command), db)
    lines = shown.splitlines()
    assert all(cell_len(ln) <= width for ln in lines), [ln for ln in lines if cell_len(ln) > width]
    assert _screen_words(shown) - _words(plain) <= SHORT_HEADINGS, shown
    ids = {row.split("\t")[0] for row in plain.splitlines() if re.fullmatch(r"\d+\*?\??", row.split("\t")[0])}
    on_screen = {ln.split()[0] for ln in lines if ln.split()}
    assert ids <= on_screen, sorted(ids - on_screen)


@pytest.mark.parametrize("width", (80, 100))
def test_an_error_wraps_between_words_and_fault_open_keeps_each_deadline_whole(contract, width):
    import re

    env = {"OPSDESK_FORCE_TERMINAL": "1", "COLUMNS": str(width)}
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-11-27 09:00", now=at("2026-11-27", "09:00"))
    ok("fault", "respond", "1", "--at", "2026-11-27 09:10", now=at("2026-11-27", "09:10"))
    ok(
        "fault",
        "resolve",
        "1",
        "--cause",
        "c",
        "--action",
        "a",
        "--at",
        "2026-11-27 09:20",
        now=at("2026-11-27", "09:20"),
    )
    result = run("fault", "pause", "1", "--reason", "x", now=SUNDAY, env=env)
    message = run("fault", "pause", "1", "--reason", "x", now=SUNDAY).stderr  # one line, not a terminal
    lines = result.stderr.splitlines()
    assert result.exit_code == 1 and len(lines) > 1 and all(cell_len(ln) <= width for ln in lines)
    assert " ".join(ln.strip() for ln in lines) == message.strip()  # broken only where a space was
    opened = run(
        "fault", "open", "cdss", "门诊大厅数字人没有声音", "--at", "2026-11-29 11:00", now=SUNDAY, env=env
    ).stdout.splitlines()
    assert all(cell_len(ln) <= width for ln in opened), opened
    for deadline in ("respond by 2026-11-29 12:00", "on site by 2026-11-29 13:00", "resolve by 2026-12-01 18:00"):
        assert any(deadline in ln for ln in opened), opened  # never "resolve by 2026-12-01" / "18:00"
    assert not any(re.search(r"\d{4}-\d{2}-\d{2}$", ln) for ln in opened)
