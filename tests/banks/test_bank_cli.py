"""`groupguard bank ...` and `groupguard match ...`: the command-line contract."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from groupguard.cli import app
from groupguard.signals.hashing import hash_path

PDQ1 = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


@pytest.fixture
def run(cli_env):
    runner = CliRunner()

    def invoke(*args: str, code: int = 0):
        result = runner.invoke(app, list(args), env=cli_env, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return invoke


def lines(result) -> list[dict]:
    return [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]


def test_create_import_list_export_remove(run, tmp_path):
    run("bank", "create", "known", "--action-policy", "act", "--threshold", "20")
    hexes = tmp_path / "list.txt"
    hexes.write_text(f"{PDQ1}\nbogus\n{'a' * 32}\n")
    result = run("bank", "import", "known", str(hexes), "--format", "hex", "--json", code=1)
    (report,) = lines(result)
    assert report["added"] == 2 and report["errors"][0].startswith("line 2")
    (bank,) = lines(run("bank", "list", "--json"))
    assert (bank["name"], bank["entries"], bank["pdq_threshold"]) == ("known", 2, 20)
    exported = run("bank", "export", "known", "--format", "csv").stdout
    assert exported.splitlines()[0].startswith("signal_type,value")
    assert PDQ1 in exported
    out = lines(run("bank", "remove", "known", "--value", f"pdq:{PDQ1}", "--json"))
    assert out == [{"bank": "known", "removed": 1}]
    assert PDQ1 not in run("bank", "export", "known", "--format", "hex").stdout
    assert PDQ1 in run("bank", "export", "known", "--format", "csv",
                       "--include-removed").stdout


def test_errors_are_clear(run, cli_env):
    runner = CliRunner()
    result = runner.invoke(app, ["bank", "create", "x", "--kind", "odd"], env=cli_env)
    assert result.exit_code != 0 and "kind" in str(result.exception or result.output)


def test_add_media_and_match_paths_in_input_order(run, data_dir, tmp_path):
    images = [data_dir / "pdq" / n for n in ("q2821.jpg", "square-256x256.jpg", "wee.jpg")]
    run("bank", "create", "media-known")
    added = lines(run("bank", "add", "media-known", str(images[0]), str(images[1]), "--json"))
    assert [a["path"] for a in added] == [str(images[0]), str(images[1])]
    corrupt = tmp_path / "broken.jpg"
    corrupt.write_bytes(images[2].read_bytes()[:200])
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    result = run("match", str(images[1]), str(corrupt), str(images[2]), str(empty),
                 str(images[0]), "--json", code=1)
    out = lines(result)
    assert [o["query"] for o in out] == [str(images[1]), str(corrupt), str(images[2]),
                                         str(empty), str(images[0])]
    assert "error" in out[1] and "error" in out[3]
    signals = {m["signal"] for m in out[0]["matches"]}
    assert {"md5", "sha256"} <= signals
    assert all(m["bank"] == "media-known" and m["variant"] == "original"
               for m in out[0]["matches"])
    assert {m["signal"] for m in out[4]["matches"]} >= {"md5", "sha256", "pdq"}


def test_match_pdq_file_reports_bad_lines_and_goes_on(run, tmp_path):
    run("bank", "create", "a")
    run("bank", "create", "b")
    src = tmp_path / "a.txt"
    src.write_text(PDQ1 + "\n")
    run("bank", "import", "a", str(src))
    run("bank", "import", "b", str(src))
    near = f"{int(PDQ1, 16) ^ 0b1011:064x}"
    queries = tmp_path / "q.txt"
    queries.write_text(f"{near}\nnot-hex\n{'0' * 64}\n")
    out = lines(run("match", "--pdq-file", str(queries), "--json", code=1))
    assert [o["query"] for o in out] == [near, "not-hex", "0" * 64]
    assert sorted((m["bank"], m["distance"]) for m in out[0]["matches"]) == [("a", 3), ("b", 3)]
    assert "line 2" in out[1]["error"]
    assert out[2]["matches"] == []
    only_b = lines(run("match", "--pdq-file", str(queries), "--bank", "b", "--json", code=1))
    assert [m["bank"] for m in only_b[0]["matches"]] == ["b"]


def test_keep_media_needs_a_media_bank_and_stores_the_file(run, data_dir, settings, cli_env):
    image = data_dir / "pdq" / "q2821.jpg"  # PDQ quality 100
    run("bank", "create", "plain")
    result = CliRunner().invoke(app, ["bank", "add", "plain", str(image), "--keep-media"],
                                env=cli_env)
    assert result.exit_code != 0
    run("bank", "create", "confirmed", "--kind", "media")
    local = settings.media_root / image.name
    shutil.copy(image, local)
    (out,) = lines(run("bank", "add", "confirmed", str(local), "--keep-media", "--json"))
    sha = hash_path(image).sha256
    assert (settings.home / "banks" / "media" / sha[:2] / sha).read_bytes() == image.read_bytes()
    # md5, sha256, pdq and the augmented crops/rotations of a kept image.
    assert len(out["entries"]) > 3
    near = lines(run("match", str(local), "--json"))[0]["matches"]
    assert {m["signal"] for m in near} >= {"md5", "sha256", "pdq"}


def test_low_quality_images_bank_digests_only_and_say_why(run, data_dir):
    run("bank", "create", "b")
    (out,) = lines(run("bank", "add", "b", str(data_dir / "pdq" / "q0003.jpg"), "--json"))
    assert len(out["entries"]) == 2 and "quality 3" in out["notes"][0]
    (res,) = lines(run("match", str(data_dir / "pdq" / "q0003.jpg"), "--json"))
    assert {m["signal"] for m in res["matches"]} == {"md5", "sha256"}
    assert "quality" in res["notes"][0]


def test_a_banked_video_matches_itself_by_digest_and_vpdq(run, data_dir):
    video = data_dir / "vpdq" / "test-padded-dimensions.mp4"
    run("bank", "create", "videos")
    (out,) = lines(run("bank", "add", "videos", str(video), "--json"))
    assert len(out["entries"]) == 3  # md5, sha256, vpdq
    (res,) = lines(run("match", str(video), "--json"))
    assert {m["signal"] for m in res["matches"]} == {"md5", "sha256", "vpdq"}
    exported = run("bank", "export", "videos", "--format", "te").stdout
    assert any(line.startswith("vpdq [") for line in exported.splitlines())
