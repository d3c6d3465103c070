"""Classifier plumbing, tested with a tiny stand-in ONNX model built here (its "explicit"
score is simply how red an image is) and with benign synthetic images only."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from PIL import Image
from sqlalchemy import insert

from groupguard.events import parse_event
from groupguard.runner.context import PipelineContext, Services
from groupguard.signals.classifier import (
    ClassifierConfigError,
    ClassifierError,
    ClassifierSet,
    load_specs,
    parse_specs,
)
from groupguard.signals.classifier.extractor import ClassifierExtractor
from groupguard.signals.classifier.models import CallableClassifier, OnnxFileClassifier
from groupguard.store.tables import media_uses

RED = Image.new("RGB", (32, 32), (255, 0, 0))
BLUE = Image.new("RGB", (32, 32), (0, 0, 255))


def red_share(images):
    """A callable classifier: the mean red level."""
    return [float(np.asarray(im.convert("RGB"))[:, :, 0].mean() / 255.0) for im in images]


def out_of_range(images):
    return [2.0 for _ in images]


def build_red_model(path):
    """NCHW float input; output [N, 2] = (1 - mean(red), mean(red))."""
    nodes = [
        helper.make_node("Slice", ["x", "s0", "s1", "ax"], ["red"]),
        helper.make_node("ReduceMean", ["red"], ["m"], axes=[1, 2, 3], keepdims=0),
        helper.make_node("Unsqueeze", ["m", "one_axis"], ["m1"]),
        helper.make_node("Sub", ["one", "m1"], ["inv"]),
        helper.make_node("Concat", ["inv", "m1"], ["y"], axis=1),
    ]
    inits = [
        helper.make_tensor("s0", TensorProto.INT64, [1], [0]),
        helper.make_tensor("s1", TensorProto.INT64, [1], [1]),
        helper.make_tensor("ax", TensorProto.INT64, [1], [1]),
        helper.make_tensor("one_axis", TensorProto.INT64, [1], [1]),
        helper.make_tensor("one", TensorProto.FLOAT, [1], [1.0]),
    ]
    graph = helper.make_graph(
        nodes, "red", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def test_onnx_file_classifier_scores_a_batch(tmp_path):
    clf = OnnxFileClassifier("red", build_red_model(tmp_path / "red.onnx"), size=8)
    scores = clf.score_batch([RED, BLUE, Image.new("RGB", (9, 9), (128, 0, 0))])
    assert scores == pytest.approx([1.0, 0.0, 128 / 255], abs=1e-3)


def test_bundled_open_nsfw_gives_benign_synthetic_images_low_scores():
    rng = np.random.default_rng(0)
    images = [RED, BLUE, Image.fromarray((rng.random((64, 64, 3)) * 255).astype("uint8"))]
    clf = ClassifierSet.from_specs(load_specs(None, env={}))
    assert clf.names == ["open_nsfw"]
    results = clf.score(images)
    assert all(0.0 <= r.scores[0].score < 0.3 for r in results)
    assert not any(r.flagged for r in results)


def test_configuration_from_a_yaml_file_in_the_data_home(tmp_path):
    build_red_model(tmp_path / "red.onnx")
    (tmp_path / "classifiers.yaml").write_text(
        "classifiers:\n"
        "  - {name: house, kind: onnx, path: red.onnx, size: 8, threshold: 0.6}\n"
        f"  - {{name: fn, kind: callable, target: '{__name__}:red_share',"
        " applies_to: profile_photo}\n"
    )
    specs = load_specs(tmp_path, env={})
    assert [(s.name, s.kind) for s in specs] == [("house", "onnx"), ("fn", "callable")]
    assert specs[0].path == str(tmp_path / "red.onnx")
    clf = ClassifierSet.from_specs(specs)
    icon = clf.score([RED, BLUE], "group_icon")
    assert [[s.classifier for s in r.flagged] for r in icon] == [["house"], []]
    photo = clf.score([RED], "profile_photo")
    assert sorted(s.classifier for s in photo[0].flagged) == ["fn", "house"]


def test_environment_variable_wins_and_takes_inline_json(tmp_path):
    env = {"GROUPGUARD_CLASSIFIERS": f'[{{"name": "fn", "target": "{__name__}:red_share",'
                                     ' "kind": "callable"}]'}
    (tmp_path / "classifiers.yaml").write_text("classifiers: []\n")
    assert [s.name for s in load_specs(tmp_path, env=env)] == ["fn"]


@pytest.mark.parametrize("text, message", [
    ("classifiers: 3", "needs a list"),
    ("classifiers: [{kind: onnx}]", "needs a name"),
    ("classifiers: [{name: m, kind: onnx}]", "needs a path"),
    ("classifiers: [{name: m, kind: callable, target: nocolon}]", "module:function"),
    ("classifiers: [{name: m, kind: magic}]", "kind must be"),
    ("classifiers: [{name: open_nsfw, threshold: 3}]", "threshold"),
    ("classifiers: [{name: open_nsfw, colour: red}]", "unknown keys"),
    ("classifiers: [{name: a, kind: callable, target: 'x:y'}, "
     "{name: a, kind: callable, target: 'x:y'}]", "unique"),
])
def test_bad_configuration_is_a_clear_config_error(tmp_path, text, message):
    import yaml

    with pytest.raises(ClassifierConfigError, match=message):
        parse_specs(yaml.safe_load(text), base=tmp_path)


def test_unloadable_models_and_callables_are_config_errors(tmp_path):
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(ClassifierConfigError, match="cannot load"):
        OnnxFileClassifier("junk", tmp_path / "junk.onnx")
    with pytest.raises(ClassifierConfigError, match="does not exist"):
        OnnxFileClassifier("gone", tmp_path / "gone.onnx")
    with pytest.raises(ClassifierConfigError, match="cannot import"):
        CallableClassifier("x", "no_such_module_here:f")


def test_a_failing_classifier_loses_only_its_own_scores(tmp_path):
    def picky(images):
        if any(im.size != (32, 32) for im in images):
            raise ValueError("wrong size")
        return [0.9] * len(images)

    specs = parse_specs({"classifiers": [
        {"name": "picky", "kind": "callable", "target": "x:y"},
        {"name": "broken", "kind": "callable", "target": "x:y"},
    ]})
    clf = ClassifierSet([(specs[0], CallableClassifier("picky", picky)),
                         (specs[1], CallableClassifier("broken", out_of_range))])
    odd = Image.new("RGB", (5, 5))
    results = clf.score([RED, odd, BLUE])
    assert [[s.classifier for s in r.scores] for r in results] == [["picky"], [], ["picky"]]
    assert "wrong size" in results[1].errors["picky"]
    assert "outside [0, 1]" in results[0].errors["broken"]
    with pytest.raises(ClassifierError):
        CallableClassifier("broken", out_of_range).score_batch([RED])


def test_extractor_scores_a_group_icon_for_the_group_and_whoever_set_it(db, settings):
    specs = parse_specs({"classifiers": [{"name": "red", "kind": "callable",
                                          "target": f"{__name__}:red_share",
                                          "threshold": 0.5}]})
    extractor = ClassifierExtractor(ClassifierSet.from_specs(specs))
    sha = hashlib.sha256(b"red icon").hexdigest()
    event = parse_event({"id": "ev1", "type": "group.created", "ts": "2026-01-01T00:00:00Z",
                         "actor": "setter", "group_id": "G", "name": "n",
                         "icon": {"data_base64": "AAAA"}})
    with db.session() as s:
        s.execute(insert(media_uses).values(
            sha256=sha, subject_type="group", subject_id="G", role="group_icon",
            set_by="setter", event_id="ev1", ts=datetime(2026, 1, 1, tzinfo=UTC)))
        ctx = PipelineContext(services=Services(settings=settings, db=db), session=s,
                              media_images={sha: RED})
        signals = extractor.on_event(ctx, event)
        assert [(str(x.subject), x.kind, x.hard) for x in signals] == [
            ("group:G", "classifier.explicit", False),
            ("account:setter", "classifier.explicit", False)]
        assert signals[0].reason == "group icon scored 1.00 on classifier red (review from 0.50)"
        assert signals[1].reason.startswith("set the icon of group G, which scored 1.00")
        # A different icon (other bytes, so another SHA-256) that scores low: no signal.
        blue_sha = hashlib.sha256(b"blue icon").hexdigest()
        blue_event = event.model_copy(update={"id": "ev2"})
        s.execute(insert(media_uses).values(
            sha256=blue_sha, subject_type="group", subject_id="G", role="group_icon",
            set_by="setter", event_id="ev2", ts=datetime(2026, 1, 1, tzinfo=UTC)))
        ctx.media_images = {blue_sha: BLUE}
        assert extractor.on_event(ctx, blue_event) == []
