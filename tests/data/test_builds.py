"""Build keys change with inputs, config and code; manifests make rebuilds no-ops."""

from __future__ import annotations

import time

from fa_nlp.data import builds


def test_build_key_tracks_inputs_config_and_code(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("سلام\n", encoding="utf-8")
    inputs = [builds.input_record(f)]
    code = builds.code_version(["fa_nlp.io"])
    key = builds.build_key(inputs, {"seed": 1}, code)
    assert key == builds.build_key(inputs, {"seed": 1}, code)
    assert key != builds.build_key(inputs, {"seed": 2}, code)
    assert key != builds.build_key(inputs, {"seed": 1}, builds.code_version(["fa_nlp.report"]))
    f.write_text("سلام!\n", encoding="utf-8")
    assert key != builds.build_key([builds.input_record(f)], {"seed": 1}, code)


def test_manifest_round_trip_and_up_to_date(tmp_path):
    out = tmp_path / "ds"
    with builds.publish(out) as tmp:
        builds.write_manifest(tmp, key="k1", inputs=[], config={"a": 1}, code={"fa_nlp": "x"},
                              counts={"read": 1}, started=time.time())
    assert builds.is_up_to_date(out, "k1") and not builds.is_up_to_date(out, "k2")
    manifest = builds.read_manifest(out)
    assert manifest["libraries"]["python"] and manifest["counts"] == {"read": 1}


def test_code_version_covers_every_module_of_a_package():
    # an edit to fa_nlp.text.normalize must change the key of a build that lists "fa_nlp.text"
    mods = builds.expand_modules(["fa_nlp.text", "fa_nlp.io"])
    assert {"fa_nlp.text", "fa_nlp.text.normalize", "fa_nlp.text.sentences", "fa_nlp.io"} <= set(mods)
    assert builds.code_version(["fa_nlp.text"]) != builds.code_version(["fa_nlp.text.normalize"])
