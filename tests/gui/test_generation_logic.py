"""UI logic with scripted engine messages: stale results are dropped, failures reach the user."""

import numpy as np

from editor.dialogs import ERRORS_SHOWN
from editor.generation import GenerateTag
from engine import worker as w


def test_results_older_than_the_newest_request_are_ignored(qtbot, window):
    gen = window.generation
    image = np.zeros((3, 64, 64), np.float32)
    newest = gen.generate()
    before = window.session.stack.count()
    tag = GenerateTag(None, document=gen.document_epoch)  # made for the open document
    window.engine.generated.emit(w.Generated(newest - 1, image, tag, 0.01))  # a late, older result
    assert window.session.stack.count() == before and window.session.doc.image is None
    window.engine.generated.emit(w.Generated(newest, image + 1, tag, 0.01))
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
