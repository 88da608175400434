"""The recovery file keeps the undo history within a byte budget, and reads what earlier versions wrote
(issue 15 item 11)."""

import copy
import json
import zipfile

import numpy as np

from editor.document import noise_ops, painting
from editor.document.commands import Compound, SetImage, SetSeed, diff_edit
from editor.document.project_file import save_project
from editor.document.recovery_file import load_recovery, recovery_bytes


def snapshot(doc):
    return (doc.labels.copy(), doc.noise.copy(), doc.locked.copy(), None if doc.image is None else doc.image.copy(),
            doc.seed)


def same(a, b):
    for x, y in zip(a, b, strict=True):
        if x is None or y is None:
            assert x is None and y is None
        elif isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y)
        else:
            assert x == y


def history(doc, rng):
    """Steps of every kind applied to `doc`; returns them with the state before each step."""
    steps, states = [], []

    def do(cmd):
        states.append(snapshot(doc))
        cmd.apply(doc)
        steps.append(cmd)

    labels = doc.labels.copy()
    labels[5:20, 10:40] = 4
    do(diff_edit("labels", doc.labels, labels, "paint"))
    do(noise_ops.set_lock(doc, painting.rectangle(doc.shape, (0, 0), (10, 30)), True))
    do(noise_ops.resample_region(doc, painting.rectangle(doc.shape, (30, 40), (50, 90)), rng, noise_ops.PER_PIXEL))
    do(noise_ops.reseed(doc, 99))
    image = rng.integers(0, 255, (*doc.shape, 3), dtype=np.uint8)
    do(Compound([SetSeed(doc.seed, 7, "seed"), SetImage(doc.image, image, "adopt")], "adopt variation"))
    states.append(snapshot(doc))
    return steps, states


def test_history_round_trips_and_undoes_to_every_earlier_state(doc, rng, tmp_path):
    steps, states = history(doc, rng)
    applied = 4
    steps[4].revert(doc)  # the newest step is undone: a redo step
    path = tmp_path / "recovery.oasisproj"
    path.write_bytes(recovery_bytes(doc, steps, applied, tmp_path / "scene.oasisproj"))
    rec = load_recovery(path)
    assert rec.applied == applied and len(rec.steps) == 5 and rec.note == ""
    assert rec.project_path == tmp_path / "scene.oasisproj"
    assert [s.text for s in rec.steps] == [s.text for s in steps]
    restored = rec.doc
    same(snapshot(restored), states[4])
    rec.steps[4].apply(restored)  # redo
    same(snapshot(restored), states[5])
    for i in reversed(range(5)):
        rec.steps[i].revert(restored)
        same(snapshot(restored), states[i])


def test_only_the_newest_steps_within_the_budget_are_written(doc, rng, tmp_path):
    steps, states = history(doc, rng)
    sizes = [s.nbytes for s in steps]
    budget = sizes[-1] + sizes[-2]  # room for the last two steps only
    path = tmp_path / "recovery.oasisproj"
    path.write_bytes(recovery_bytes(doc, steps, len(steps), None, budget=budget))
    rec = load_recovery(path)
    assert len(rec.steps) == 2 and rec.applied == 2 and "3 oldest" in rec.note
    for cmd in reversed(rec.steps):
        cmd.revert(rec.doc)
    same(snapshot(rec.doc), states[3])


def test_an_earlier_versions_recovery_file_restores_the_document_without_history(doc, tmp_path):
    path = tmp_path / "recovery.oasisproj"
    save_project(path, doc)  # what autosave wrote before the history was kept
    rec = load_recovery(path)
    same(snapshot(rec.doc), snapshot(doc))
    assert rec.steps == [] and "no undo history" in rec.note


def _rewrite(path, name, data):
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members[name] = data
    with zipfile.ZipFile(path, "w") as z:
        for n, d in members.items():
            z.writestr(n, d)


def test_a_newer_or_damaged_history_is_refused_clearly_and_the_document_kept(doc, rng, tmp_path):
    steps, _ = history(doc, rng)
    path = tmp_path / "recovery.oasisproj"
    path.write_bytes(recovery_bytes(doc, steps, len(steps)))
    with zipfile.ZipFile(path) as z:
        meta = json.loads(z.read("history.json"))
    newer = copy.deepcopy(meta)
    newer["version"] = 99
    _rewrite(path, "history.json", json.dumps(newer).encode())
    rec = load_recovery(path)
    assert rec.steps == [] and "version 99" in rec.note and "newer" in rec.note
    same(snapshot(rec.doc), snapshot(doc))

    bad = copy.deepcopy(meta)
    bad["steps"][0]["y0"] = 10_000  # a rectangle outside the map
    _rewrite(path, "history.json", json.dumps(bad).encode())
    rec = load_recovery(path)
    assert rec.steps == [] and "damaged" in rec.note
    same(snapshot(rec.doc), snapshot(doc))


def test_a_step_the_file_cannot_hold_ends_the_history_there(doc, rng, tmp_path):
    class Opaque:  # e.g. a command type added later without a recovery encoding
        text, nbytes = "opaque", 0

        def apply(self, doc):
            pass

        def revert(self, doc):
            pass

    steps, _ = history(doc, rng)
    steps.insert(2, Opaque())
    path = tmp_path / "recovery.oasisproj"
    path.write_bytes(recovery_bytes(doc, steps, len(steps)))
    rec = load_recovery(path)
    assert [s.text for s in rec.steps] == [s.text for s in steps[3:]] and "3 oldest" in rec.note
