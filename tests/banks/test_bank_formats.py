"""Bank files: every format round-trips, other tools' files import, bad lines are reported
(naming the line) and the rest goes on."""

from __future__ import annotations

import json

import pytest

from groupguard.banks import formats, service
from groupguard.banks.transfer import export_text, import_text
from groupguard.errors import BankError

PDQ1 = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ2 = "e64cc9d91c623882f8d1f1d9a398e78c9f199b3bd83924f2b7e11e0bf861b064"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
VPDQ = json.dumps([f"{PDQ1},100,0.0", f"{PDQ2},90,1.0"])  # threatexchange's own form


def _seed(s, name="src"):
    service.create_bank(s, name)
    service.add_hashes(s, name, [("pdq", PDQ1), ("md5", MD5), ("sha256", SHA)],
                       tags=["zorblax", "quexfin"], source="seed")
    service.add_hashes(s, name, [("pdq", PDQ2), ("vpdq", VPDQ)])


def _content(s, name):
    return sorted((e.signal_type, e.value, tuple(e.tags)) for e in service.entries(s, name))


@pytest.mark.parametrize("fmt", ["csv", "te", "hma"])
def test_lossless_formats_round_trip(db, fmt):
    with db.session() as s:
        _seed(s)
        text = export_text(s, "src", fmt)
        service.create_bank(s, "dst")
        report = import_text(s, "dst", text, fmt)
        assert report.errors == [] and report.added == 5
        want = _content(s, "src")
        got = _content(s, "dst")
        if fmt == "te":  # the file exchange format carries no tags
            want = [(t, v, ()) for t, v, _ in want]
        assert got == want


def test_hex_round_trip_keeps_pdq_and_md5(db):
    with db.session() as s:
        _seed(s)
        text = export_text(s, "src", "hex")
        service.create_bank(s, "dst")
        report = import_text(s, "dst", "# a comment\n\n" + text.replace(SHA + "\n", ""), "hex")
        assert report.errors == []
        assert {(e.signal_type, e.value) for e in service.entries(s, "dst")} == {
            ("pdq", PDQ1), ("pdq", PDQ2), ("md5", MD5)}
        sha_only = import_text(s, "dst", SHA + "\n", "hex", signal_type="sha256")
        assert sha_only.added == 1


def test_bad_lines_are_reported_with_their_line_and_the_rest_imports(db):
    text = f"{PDQ1}\nnot-a-hash\n{'f' * 63}\n{PDQ2}\n{'zz' * 32}\n{MD5}\n"
    with db.session() as s:
        service.create_bank(s, "b")
        report = import_text(s, "b", text, "hex")
    assert report.added == 3 and report.read == 6
    assert [e.split(":")[0] for e in report.errors] == ["line 2", "line 3", "line 5"]


def test_csv_needs_a_header_and_reports_bad_rows(db):
    with db.session() as s:
        service.create_bank(s, "b")
        with pytest.raises(BankError):
            import_text(s, "b", f"{PDQ1}\n", "csv")
        text = f"signal_type,value,tags\npdq,{PDQ1},a b\npdq,xyz,\nmd5,{MD5},c;d\nfoo,{MD5},\n"
        report = import_text(s, "b", text, "csv")
        assert report.added == 2
        assert [e.split(":")[0] for e in report.errors] == ["line 3", "line 5"]
        assert sorted(tuple(e.tags) for e in service.entries(s, "b")) == [("a", "b"), ("c", "d")]


def test_threatexchange_files_import(db):
    dataset_csv = ("signal_type,signal_str,collab,category,tags\n"
                   f"pdq,{PDQ1},Sample,POSITIVE_CLASS,zorblax\n"
                   f"video_md5,{MD5},Sample,POSITIVE_CLASS,\n")
    file_api = f"pdq {PDQ2}\nvideo_sha256 {SHA}\nvpdq {VPDQ}\n"
    state_rows = f"{PDQ1},1234,2021-01-01,zorblax quexfin\n{PDQ2},99,2021-01-02,\n"
    with db.session() as s:
        service.create_bank(s, "b")
        assert import_text(s, "b", dataset_csv, "te").added == 2
        assert import_text(s, "b", file_api, "te").added == 3
        state = import_text(s, "b", state_rows, "te", filename="simple.HASH_PDQ.te")
        assert state.errors == [] and state.existing == 2
        assert {e.signal_type for e in service.entries(s, "b")} == {"pdq", "md5", "sha256",
                                                                  "vpdq"}


def test_hma_files_import(db):
    api_records = "\n".join([
        json.dumps({"id": 1, "bank": {"name": "X", "matching_enabled_ratio": 1.0},
                    "signals": {"pdq": PDQ1, "video_md5": MD5},
                    "metadata": {"json": {"tags": ["zorblax"]}, "collab": {"NCMEC": ["k"]}}}),
        json.dumps({"pdq": PDQ2}),
        "{not json",
        json.dumps({"signals": {"pdq": "short"}}),
    ])
    hma1_rows = f"{PDQ1},111,222,2021-01-01,zorblax\n{PDQ2},112,223,2021-01-02,\n"
    with db.session() as s:
        service.create_bank(s, "b")
        report = import_text(s, "b", api_records, "hma")
        assert report.added == 3
        assert [e.split(":")[0] for e in report.errors] == ["line 3", "line 4"]
        tagged = [e for e in service.entries(s, "b") if e.value == PDQ1][0]
        assert tagged.tags == ["collab:NCMEC", "zorblax"]
        assert import_text(s, "b", hma1_rows, "hma", signal_type="pdq").existing == 2
        listed = json.dumps([{"signals": {"pdq": PDQ1}}])
        assert import_text(s, "b", listed, "hma").existing == 1


def test_unknown_format_is_a_bank_error(db):
    with db.session() as s:
        service.create_bank(s, "b")
        with pytest.raises(BankError):
            import_text(s, "b", PDQ1, "xml")
    with pytest.raises(BankError):
        formats.write([], "xml", "b")


def test_te_export_is_read_by_threatexchange_itself(db, tmp_path):
    pytest.importorskip("threatexchange")
    from threatexchange.exchanges.impl.file_api import (
        FileCollaborationConfig,
        LocalFileSignalExchangeAPI,
    )

    with db.session() as s:
        _seed(s)
        text = export_text(s, "src", "te")
    path = tmp_path / "bank.txt"
    path.write_text(text)
    api = LocalFileSignalExchangeAPI(FileCollaborationConfig(name="t", filename=str(path)))
    (delta,) = list(api.fetch_iter([], None))
    assert set(delta.updates) == {("pdq", PDQ1), ("pdq", PDQ2), ("video_md5", MD5),
                                  ("video_sha256", SHA), ("vpdq", VPDQ)}
