"""UI logic with scripted engine messages: stale results are dropped, failures reach the user."""

from dataclasses import replace

import numpy as np

from editor.dialogs import ERRORS_SHOWN
from editor.generation import GenerateTag
from engine import worker as w


def test_results_older_than_the_newest_request_are_ignored(qtbot, window):
    gen = window.generation
    image = np.zeros((3, 64, 64), np.float32)
    older = gen.generate()  # already running when the newer one is asked: it still answers
    newest = gen.generate()
    before = window.session.stack.count()
    tag = GenerateTag(None, document=gen.document_epoch)  # made for the open document
    # scripted answers, delivered as the worker's are (each to its request's handler)
    window.engine.deliver(w.Generated(older, image, tag, 0.01))  # a late, older result
    assert window.session.stack.count() == before and window.session.doc.image is None
    window.engine.deliver(w.Generated(newest, image + 1, tag, 0.01))
    assert window.session.stack.count() == before + 1
    assert (window.session.doc.image == 255).all()


def test_engine_failures_are_shown_as_messages(qtbot, window):
    window.engine.failed.emit(w.Failed(10_000, "labels.png: class index 40 out of range"))
    assert ERRORS_SHOWN[-1] == "labels.png: class index 40 out of range"
    assert "class index 40" in window.statusBar().currentMessage()


def test_bad_label_map_file_is_reported_not_raised(qtbot, window, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png at all")
    window.files.open_label_map(str(bad))
    assert "not a picture file" in ERRORS_SHOWN[-1] and "bad.png" in ERRORS_SHOWN[-1]
    assert window.session.stack.count() == 0


def test_import_public_run_with_progress_then_open(qtbot, window, tmp_path):
    from tests.conftest import FIXTURE_RUN

    progress = []
    window.engine.progress.connect(lambda m: progress.append(m.fraction))
    with qtbot.waitSignal(window.engine.modelLoaded, timeout=120_000) as loaded:
        window.models.start_import(run_dir=FIXTURE_RUN, out_dir=tmp_path / "imported", height=64, width=64)
    assert loaded.args[0].folder == tmp_path / "imported"
    assert progress and progress[-1] == 1.0 and progress == sorted(progress)
    assert str((tmp_path / "imported").resolve()) in window.models.recent()


def test_the_photo_dialog_takes_only_its_newest_answers_and_none_after_a_model_change(qtbot, window):
    dialog = window.show_photo_dialog()
    dialog.set_photo_array(np.full((64, 64, 3), 120, np.uint8))
    labels = window.session.doc.labels.copy()
    dialog.segment()
    older = dialog._segments.newest
    dialog.segment()
    newest = dialog._segments.newest
    assert older is not None and newest is not None and older < newest
    painted = np.full_like(labels, 3)
    before = window.session.stack.count()
    window.engine.deliver(w.Segmented(older, painted, "photo"))  # superseded by the newer request
    np.testing.assert_array_equal(window.session.doc.labels, labels)
    window.engine.deliver(w.Failed(older, "an old failure"))
    assert dialog.status.text() == "Segmenting…"
    window.engine.deliver(w.Segmented(newest, painted, "photo"))
    assert (window.session.doc.labels == 3).all() and window.session.stack.count() == before + 1
    dialog.recreate()
    recreation = dialog._recreations.newest
    window.session.set_model(replace(window.session.doc.model, folder="/elsewhere"))  # answers are of the old one
    window.engine.deliver(w.BatchGenerated(recreation, (np.zeros((3, 64, 64), np.float32),), "recreate", 0.1))
    assert dialog.recreated == [] and dialog.results.count() == 0


def test_a_failure_the_import_reports_itself_is_not_shown_again_and_a_failed_load_drops_the_waiting_project(
        qtbot, window, tmp_path):
    window.models.run_import_dialog = lambda dlg: False  # the reopened import dialog is cancelled
    rid = window.models.start_import(run_dir=tmp_path / "missing", out_dir=tmp_path / "model")
    shown = len(ERRORS_SHOWN)
    window.engine.deliver(w.Failed(rid, "the import's own failure", details="Traceback ..."))
    assert len(ERRORS_SHOWN) == shown + 1 and ERRORS_SHOWN[-1] == "the import's own failure"  # one dialog, its own
    window._pending_project = (window.session.doc, None)
    load = window.load_model(tmp_path / "nowhere", confirmed=True)
    window.engine.deliver(w.Failed(load, "nowhere: no config.json"))
    assert window._pending_project is None and ERRORS_SHOWN[-1] == "nowhere: no config.json"
