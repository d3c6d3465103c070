import hashlib
import json

from typer.testing import CliRunner

from groupguard.cli import app
from groupguard.signals.pdq import hamming

runner = CliRunner()


def test_hash_json_for_images_and_videos(data_dir):
    image = data_dir / "pdq" / "square-256x256.jpg"
    video = data_dir / "vpdq" / "test-padded-dimensions.mp4"
    result = runner.invoke(app, ["hash", str(image), str(video), "--json", "--every", "2"])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["path"] == str(image)
    assert first["kind"] == "image"
    assert first["md5"] == hashlib.md5(image.read_bytes()).hexdigest()
    assert first["sha256"] == hashlib.sha256(image.read_bytes()).hexdigest()
    assert len(first["pdq"]) == 64 and first["pdq_quality"] == 100
    assert second["kind"] == "video"
    assert "pdq" not in second
    assert [f["frame"] for f in second["vpdq"]] == [0, 60, 120]
    assert set(second["vpdq"][0]) == {"frame", "ts", "pdq", "quality"}


def test_hash_folder_and_plain_output(data_dir):
    result = runner.invoke(app, ["hash", str(data_dir / "pdq")])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(list((data_dir / "pdq").iterdir()))
    assert any("low quality" in line for line in lines)


def test_full_size_flag_gives_reference_decode(data_dir):
    image = str(data_dir / "pdq" / "q2821.jpg")
    fast = json.loads(runner.invoke(app, ["hash", image, "--json"]).stdout)
    full = json.loads(runner.invoke(app, ["hash", image, "--json", "--full-size"]).stdout)
    assert hamming(fast["pdq"], full["pdq"]) == 0  # small images are never drafted


def test_missing_file_is_an_error_line(tmp_path):
    result = runner.invoke(app, ["hash", str(tmp_path / "nope.jpg"), "--json"])
    assert result.exit_code == 1
    line = json.loads(result.stdout)
    assert line["path"].endswith("nope.jpg") and "cannot read" in line["error"]
