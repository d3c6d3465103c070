import json

from lxml import etree
from typer.testing import CliRunner

from groupguard.cli import app
from tests.reporting.reporting_cases import group_case, preserve

runner = CliRunner()


def gg(cli_env, *args):
    result = runner.invoke(app, list(args), env=cli_env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def json_lines(output):
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_report_draft_writes_one_xml_per_account_and_a_manifest(db, settings, make, cli_env,
                                                                tmp_path):
    case_id, icon, extra, posted = group_case(make, db, settings)
    out = tmp_path / "draft"
    gg(cli_env, "report", "draft", str(case_id), "--out", str(out))
    assert sorted(p.name for p in out.iterdir()) == [
        "files.json", "report-acc-1.xml", "report-acc-2.xml"]
    manifest = json.loads((out / "files.json").read_text())
    acc1 = next(r for r in manifest["reports"] if r["account_id"] == "acc-1")
    assert {f["sha256"] for f in acc1["files"]} == {icon.sha256, extra.sha256}
    assert all("<fileViewedByEsp>true" in f["file_details_preview"] for f in acc1["files"])
    doc = etree.fromstring((out / "report-acc-2.xml").read_bytes())
    assert doc.findtext("personOrUserReported/espIdentifier") == "acc-2"
    listed = json_lines(gg(cli_env, "report", "list", "--json"))
    assert {(r["account_id"], r["status"], r["files"]) for r in listed} == {
        ("acc-1", "draft", 2), ("acc-2", "draft", 1)}


def test_single_account_draft_is_report_xml(db, settings, make, cli_env, tmp_path):
    make.account("acc-1")
    item = make.media()
    make.use(item, subject_type="account", subject_id="acc-1", role="profile_photo")
    make.match(item, make.bank("b", verified=True))
    preserve(db, settings, item)
    case_id = make.case("account", "acc-1")
    gg(cli_env, "report", "draft", str(case_id), "--out", str(tmp_path / "d"))
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["files.json", "report.xml"]


def test_report_send_files_with_ncmec(db, settings, make, cli_env, fake_ncmec):
    case_id, *_ = group_case(make, db, settings)
    env = cli_env | {"GROUPGUARD_NCMEC_URL": fake_ncmec.url,
                     "GROUPGUARD_NCMEC_USERNAME": fake_ncmec.username,
                     "GROUPGUARD_NCMEC_PASSWORD": fake_ncmec.password}
    sent = json_lines(gg(env, "report", "send", str(case_id), "--json"))
    assert {s["ncmec_report_id"] for s in sent} == set(fake_ncmec.reports)
    assert {r["status"] for r in json_lines(gg(env, "report", "list", "--json"))} == {
        "finished"}


def test_bad_input_is_a_clear_cli_error(db, settings, make, cli_env, tmp_path):
    make.account("acc-9")
    case_id = make.case("account", "acc-9")
    result = runner.invoke(app, ["report", "draft", str(case_id), "--out", str(tmp_path)],
                           env=cli_env)
    assert result.exit_code != 0
    assert "no files to report" in str(result.exception)


def test_evidence_commands(db, settings, make, cli_env, tmp_path):
    item = make.media()
    src = tmp_path / "x.png"
    src.write_bytes(item.data)
    assert gg(cli_env, "evidence", "preserve", str(src), "--reason", "manual").strip() == \
        item.sha256
    listed = json_lines(gg(cli_env, "evidence", "list", "--json"))
    assert [e["sha256"] for e in listed] == [item.sha256]
    gg(cli_env, "evidence", "get", item.sha256, "--out", str(tmp_path / "y"), "--why", "check")
    assert (tmp_path / "y").read_bytes() == item.data
    gg(cli_env, "evidence", "hold", item.sha256, "--reason", "litigation")
    chain = json_lines(gg(cli_env, "evidence", "show", item.sha256, "--json"))
    assert [c["action"] for c in chain] == ["preserve", "access", "hold"]
    assert "re-wrapped 0" in gg(cli_env, "evidence", "rewrap")
    purge = json_lines(gg(cli_env, "evidence", "purge", "--dry-run", "--json"))[0]
    assert purge["purged"] == [] and purge["dry_run"] is True


def test_le_commands(db, settings, make, cli_env, tmp_path):
    make.account("acc-1")
    added = json_lines(gg(cli_env, "le", "add", "--agency", "Cyber Cell", "--jurisdiction",
                          "IN", "--process", "Sec. 91 notice", "--account", "acc-1", "--json"))
    rid = added[0]["id"]
    queue = json_lines(gg(cli_env, "le", "list", "--json"))
    assert queue[0]["time_left"].startswith("2d 23h")
    gg(cli_env, "le", "disclose", str(rid), "--out", str(tmp_path / "pkg"))
    assert "package intact" in gg(cli_env, "le", "verify", str(tmp_path / "pkg"))
    assert json_lines(gg(cli_env, "le", "list", "--json")) == []


def test_transparency_command(db, cli_env, tmp_path):
    gg(cli_env, "transparency", "--month", "2026-10", "--out", str(tmp_path / "t"))
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == [
        "transparency-2026-10.csv", "transparency-2026-10.html", "transparency-2026-10.json"]
