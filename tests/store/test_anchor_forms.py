"""Every anchor opsdesk prints is accepted back by `verify --anchor` in the very form it was printed,
full or cut short (a short head says how many bits it checks), and `--against` reads them from text;
a signed workbook whose anchors the history no longer matches is refused by `confirm import`."""

from __future__ import annotations

import json
import re

import openpyxl
import pytest

from tests.conftest import at, connect, ok, refused, rehash, run

LATER = at("2026-12-07", "11:00")


@pytest.fixture
def printed(contract, tmp_path):
    """Each form opsdesk prints an anchor in, as printed (one line of its output)."""
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-11-02 09:00", now=at("2026-11-02", "09:00"))
    forms = {"verify": ok("verify").splitlines()[0]}
    backup = tmp_path / "b.db"
    ok("backup", str(backup))
    forms["restore"] = next(x for x in ok("restore", str(backup)).splitlines() if x.startswith("Restored"))
    monthly = tmp_path / "m.xlsx"
    forms["report monthly"] = ok("report", "monthly", "2026-11", "-o", str(monthly)).splitlines()[-1]
    forms["report acceptance"] = ok("report", "acceptance", "--to", "2026-11-30", "-o", str(tmp_path / "a.xlsx"))
    ws = openpyxl.load_workbook(monthly)["完整性"]
    forms["workbook"] = next(r[1] for r in ws.iter_rows(values_only=True) if r[0] == "锚点（事件数:链头哈希）")
    return forms


def test_verify_anchor_accepts_every_printed_form(printed):
    assert re.fullmatch(r"History verified: \d+ events, head [0-9a-f]{16}; records match \(.*\)", printed["verify"])
    assert re.fullmatch(r"Restored .* \(\d+ events, head [0-9a-f]{16}\) into .*", printed["restore"])
    assert re.fullmatch(
        r"Recorded as delivered: anchor \d+:[0-9a-f]{16}, SHA-256 [0-9a-f]{16}", printed["report monthly"]
    )
    assert re.search(r"history anchor \d+:[0-9a-f]{16}\)", printed["report acceptance"])
    assert re.fullmatch(r"\d+:[0-9a-f]{64}", printed["workbook"])
    for form, text in printed.items():
        shown = ok("verify", "--anchor", text, now=LATER)
        events, head = re.search(r"(\d+)(?::| events, head | anchor )([0-9a-f]{16,64})", text).groups()
        assert f"The first {events} events still hash to the anchor {events}:{head} " in shown, form
        if len(head) < 64:
            assert "is cut short to 16 hex digits: it checks 64 bits of the head's 256" in shown, form
        else:
            assert "cut short" not in shown, form


def test_a_short_head_that_does_not_match_fails_and_a_too_short_one_is_refused(printed, contract):
    events = json.loads(ok("verify", "--json"))["events"]
    result = run("verify", "--anchor", f"{events}:0123456789abcdef")
    assert result.exit_code == 1
    assert f"no longer hash to its anchor {events}:0123456789abcdef" in result.stderr
    result = run("verify", "--anchor", f"{events}:0123456")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: --anchor '{events}:0123456': give N:HASH, the event count and the head")


def test_against_reads_the_json_verify_prints_and_says_when_a_text_holds_no_anchor(printed, contract, tmp_path):
    saved = tmp_path / "verify.json"
    saved.write_text(ok("verify", "--json"), encoding="utf-8")
    events = json.loads(saved.read_text())["events"]
    assert f"The first {events} events still hash to {saved}" in ok("verify", "--against", str(saved))
    notes = tmp_path / "notes.txt"
    notes.write_text("今天一切正常 12:30", encoding="utf-8")
    refused(
        ["verify", "--against", str(notes)],
        f"{notes} holds no history anchor (N:HASH, as a witness message, an integrity sheet or `verify` print it); "
        "give the message as received, a workbook opsdesk exported, or --anchor N:HASH",
        contract,
        code=2,
    )


# -- confirm import holds the history to the workbook's anchors ------------------------------------


def test_confirm_import_refuses_a_signed_workbook_whose_history_was_rewritten(contract, tmp_path):
    """The hospital's genuine signed copy, imported after the vendor rewrote the history (every hash
    recomputed): refused, naming the anchor, nothing written, not "1 already confirmed"."""
    from tests.reports.test_workbook_seal import SIGN, fill

    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-11-02 09:00", now=at("2026-11-02", "09:00"))
    ok("fault", "respond", "1", "--at", "2026-11-02 09:50", now=at("2026-11-02", "09:50"))  # 超时
    ok("fault", "resolve", "1", "--cause", "c", "--action", "a", now=at("2026-11-02", "11:00"))
    signed = tmp_path / "验收资料.xlsx"
    ok("report", "acceptance", "--to", "2026-11-30", "-o", str(signed))
    fill(signed, "故障处理", 2, **SIGN)
    ok("fault", "note", "1", "事后补记")  # the history grows after the export: that is no rewrite
    assert ok("confirm", "import", str(signed)).endswith(
        ": 1 confirmed, 0 refused, 0 objected to, 0 already answered\n"
    )

    conn = connect(contract)
    moment = "2026-11-02T09:50:00+08:00"
    [(event, after)] = conn.execute(
        "SELECT id, after FROM event WHERE entity = 'ticket' AND after LIKE ?", (f'%"responded_at":"{moment}"%',)
    ).fetchall()
    forged = after.replace(f'"responded_at":"{moment}"', '"responded_at":"2026-11-02T09:20:00+08:00"')
    conn.execute("UPDATE event SET after = ? WHERE id = ?", (forged, event))
    conn.execute("UPDATE ticket SET responded_at = '2026-11-02T09:20:00+08:00' WHERE id = 1")
    conn.commit()
    rehash(conn)
    conn.close()
    assert ok("verify").startswith("History verified")  # the chain alone cannot tell
    message = refused_message(contract, signed)
    assert message.startswith(f"{signed.name}: the history changed under its anchor ")
    assert message.endswith(
        f"): event {event} was rewritten after the workbook was exported (the first {event - 1} events still "
        f"match); nothing was confirmed (`opsdesk verify --against {signed}`)"
    )


def refused_message(db, workbook) -> str:
    from tests.conftest import snapshot

    before = snapshot(db)
    result = run("confirm", "import", str(workbook))
    assert result.exit_code == 1, result.output
    assert snapshot(db) == before
    return result.stderr.removeprefix("Error: ").rstrip("\n")


def test_confirm_import_refuses_a_workbook_whose_events_were_removed(contract, tmp_path):
    from tests.reports.test_workbook_seal import SIGN, fill

    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-11-02 09:00", now=at("2026-11-02", "09:00"))
    ok("fault", "note", "1", "补记")
    signed = tmp_path / "a.xlsx"
    ok("report", "acceptance", "--to", "2026-11-30", "-o", str(signed))
    fill(signed, "故障处理", 2, **SIGN)
    events = json.loads(ok("verify", "--json"))["events"]
    conn = connect(contract)
    conn.execute("DELETE FROM note")
    conn.execute("DELETE FROM event WHERE id = ?", (events,))
    conn.commit()
    conn.close()
    assert refused_message(contract, signed).startswith(f"a.xlsx carries the anchor {events}:")


def test_confirm_imports_anchor_check_leaves_an_edit_without_recomputed_hashes_to_verify(contract, tmp_path):
    """The check compares the stored hashes at the anchors' counts: an event edited without recomputing
    any hash leaves them as they were, so the import goes on; `verify` names that edit."""
    from tests.reports.test_workbook_seal import SIGN, fill

    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-11-02 09:00", now=at("2026-11-02", "09:00"))
    ok("fault", "respond", "1", "--at", "2026-11-02 09:10", now=at("2026-11-02", "09:10"))
    ok("fault", "resolve", "1", "--cause", "c", "--action", "a", now=at("2026-11-02", "09:30"))
    ok("fault", "open", "bi", "大屏无数据", "--at", "2026-11-02 10:00", now=at("2026-11-02", "10:00"))
    signed = tmp_path / "a.xlsx"
    ok("report", "acceptance", "--to", "2026-11-30", "-o", str(signed))
    fill(signed, "故障处理", 2, **SIGN)
    conn = connect(contract)
    [(event, after)] = conn.execute(
        "SELECT id, after FROM event WHERE entity = 'ticket' AND entity_id = 2 AND before IS NULL"
    ).fetchall()
    conn.execute("UPDATE event SET after = ? WHERE id = ?", (after.replace("大屏无数据", "无故障"), event))
    conn.commit()
    conn.close()
    assert ok("confirm", "import", str(signed)).endswith(
        ": 1 confirmed, 0 refused, 0 objected to, 0 already answered\n"
    )
    result = run("verify")
    assert result.exit_code == 1
    assert f"event {event} (" in result.stderr and "its hash does not match its content" in result.stderr
