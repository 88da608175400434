"""The import-run dialog, driven offscreen: opt.txt first, problems in the dialog's words, nothing the
user typed is lost, and a class names file for custom runs."""

import shutil

from PySide6.QtWidgets import QDialog

from editor.import_run_dialog import ImportRunDialog
from tests.conftest import FIXTURE_RUN

CLASS_NAMES = ["unknown", "road", "car", "tree", "sky", "house", "lamp", "wall", "grass", "river", "bush", "rock"]


def _preset_run(tmp_path, dataset):
    run = tmp_path / f"{dataset}_run"
    (run / "models").mkdir(parents=True)
    opt = (FIXTURE_RUN / "opt.txt").read_text().replace("dataset_mode: custom ", f"dataset_mode: {dataset} ")
    (run / "opt.txt").write_text(opt)
    for name in ("latest_EMA.pth", "latest_G.pth", "best_EMA.pth", "5000_G.pth", "best_D.pth"):
        (run / "models" / name).write_bytes(b"")
    return run


def test_opt_txt_fills_the_preset_and_the_size(qtbot, tmp_path):
    dlg = ImportRunDialog()
    qtbot.addWidget(dlg)
    dlg.run_dir.setText(str(_preset_run(tmp_path, "cityscapes")))
    assert "cityscapes" in dlg.dataset.text() and "35 classes" in dlg.dataset.text()
    assert (dlg.height_px.value(), dlg.width_px.value()) == (256, 512)
    assert [dlg.tag.itemText(i) for i in range(dlg.tag.count())] == ["best", "latest", "5000"]
    assert not dlg._classes_row.isEnabled()  # the preset brings its class names
    dlg.run_dir.setText(str(FIXTURE_RUN))  # a custom run: size unknown, class names offered
    assert "custom dataset" in dlg.dataset.text() and "no resolution" in dlg.dataset.text()
    assert dlg._classes_row.isEnabled()


def test_problems_speak_of_the_dialog_fields_and_keep_them(qtbot, tmp_path):
    dlg = ImportRunDialog()
    qtbot.addWidget(dlg)
    dlg.run_dir.setText(str(FIXTURE_RUN))
    dlg.out_dir.setText(str(tmp_path / "model"))
    dlg.generator.setCurrentText("g")
    dlg.classes_file.setText(str(tmp_path / "missing.txt"))
    dlg.show()
    dlg.accept()
    assert dlg.isVisible() and dlg.result() != QDialog.DialogCode.Accepted  # still open
    text = dlg.message.text()
    assert "Height and Width" in text and "custom run" in text and "--" not in text
    assert "Class names file" in text and "missing.txt" in text
    assert dlg.out_dir.text() == str(tmp_path / "model") and dlg.generator.currentText() == "g"
    assert dlg.run_dir.text() == str(FIXTURE_RUN)
    dlg.height_px.setValue(64)
    dlg.width_px.setValue(70)
    dlg.classes_file.setText("")
    dlg.accept()
    assert "Width: 70 is not a multiple of 32" in dlg.message.text() and dlg.isVisible()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    dlg.width_px.setValue(64)
    dlg.out_dir.setText(str(tmp_path / "full"))
    dlg.tag.setCurrentText("latest")
    dlg.accept()
    assert "Save model to" in dlg.message.text() and "not empty" in dlg.message.text()
    assert "Checkpoint tag: models/latest_G.pth" in dlg.message.text()
    dlg.out_dir.setText(str(tmp_path / "model"))
    dlg.tag.setCurrentText("best")
    dlg.accept()
    assert dlg.result() == QDialog.DialogCode.Accepted


def test_a_failed_import_reopens_the_dialog_as_filled_then_the_class_names_file_names_the_classes(
        qtbot, window, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(FIXTURE_RUN, run)
    short = tmp_path / "three.txt"
    short.write_text("unknown\nroad\ncar\n")
    good = tmp_path / "names.txt"
    good.write_text("\n".join(CLASS_NAMES) + "\n")
    shown = []

    def fill_then_fix(dlg):
        shown.append((dlg.arguments(), dlg.message.text()))
        if len(shown) == 1:
            dlg.set_arguments(dict(run_dir=run, out_dir=tmp_path / "model", tag="best", generator="ema",
                                   height=64, width=64, class_names_file=short))
        else:
            dlg.classes_file.setText(str(good))
        dlg.accept()
        return dlg.result() == QDialog.DialogCode.Accepted

    window.models.run_import_dialog = fill_then_fix
    with qtbot.waitSignal(window.engine.modelLoaded, timeout=120_000) as loaded:
        window.models.ask_import(run_dir=run)
    assert len(shown) == 2
    first_fields, problem = shown[1]  # the reopened dialog: every field as the user left it, and why
    assert first_fields == dict(run_dir=run, out_dir=tmp_path / "model", tag="best", generator="ema",
                                height=64, width=64, class_names_file=short)
    assert "Import failed" in problem and "three.txt" in problem and "3 class names" in problem
    assert loaded.args[0].config.class_names == tuple(CLASS_NAMES)
