"""The main window: composes the canvas, panels and controllers, and wires menus and toolbars to them.

It holds no editing logic of its own: tools edit through the session, generation lives in
GenerationController, noise edits in NoiseController, files in FileActions, models in ModelActions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import qtawesome as qta
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSlider,
    QSpinBox,
    QToolBar,
    QToolButton,
    QUndoView,
)

from engine import worker as w
from engine.jobs import Latest

from .canvas import OVERLAY, SIDE_BY_SIDE, CanvasWidget
from .dialogs import show_error
from .document import LabelDocument, ModelReference
from .engine_client import EngineClient
from .file_actions import FileActions
from .gc_tuning import freeze_long_lived
from .generation import GenerationController
from .model_actions import ModelActions
from .noise_panel import NoiseController, NoisePanel
from .palette_panel import PalettePanel
from .session import EditorSession
from .tool_state import MAX_BRUSH, MIN_BRUSH, ToolState
from .tools import ALL_TOOLS, Pointer
from .variations import VariationsPanel

NO_MODEL = ModelReference(folder="", class_names=("unknown",), palette=((0, 0, 0),), unknown_index=0, z_dim=1,
                          height=256, width=256)


def _same_path(a, b) -> bool:
    return Path(a).resolve() == Path(b).resolve()


def _peek_model(folder: Path) -> ModelReference | None:
    """The classes and size of a model folder from its config.json alone (small; no weights read)."""
    from engine.config import ModelConfig
    from engine.errors import InputError

    try:
        return ModelReference.from_config(ModelConfig.load(Path(folder) / "config.json"), folder)
    except (InputError, OSError, ValueError):
        return None


@dataclass
class ToolContext:
    session: EditorSession
    state: ToolState
    canvas: CanvasWidget
    noise: NoiseController

    def pick_class(self, p: Pointer) -> None:
        doc = self.session.doc
        x, y = p.pixel
        if 0 <= y < doc.shape[0] and 0 <= x < doc.shape[1]:
            self.state.set_class(int(doc.labels[y, x]))


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(self, engine: EngineClient | None = None, device: str = "cpu"):
        super().__init__()
        self.ask_to_save = True
        self.engine = engine or EngineClient(self)
        self.session = EditorSession(LabelDocument.new(NO_MODEL), self)
        self.state = ToolState(self)
        self.generation = GenerationController(self.session, self.engine, self)
        self.noise = NoiseController(self.session, self)
        self.canvas = CanvasWidget(self.session)
        self.files = FileActions(self.session, self)
        self.models = ModelActions(self.engine, self, device)
        self.ctx = ToolContext(self.session, self.state, self.canvas, self.noise)
        self.tools = {cls.name: cls(self.ctx) for cls in ALL_TOOLS}
        self._pending_project: tuple[LabelDocument, Path | str | None] | None = None
        self._loads = Latest()  # the newest model load: the pending project waits for it
        self.setCentralWidget(self.canvas)
        self._build_docks()
        self._build_actions()
        self._build_toolbars()
        self._build_menus()
        self._build_status()
        self._connect()
        self.select_tool("brush")
        self._set_model_available(False)
        self.resize(1400, 880)

    # -- construction ----------------------------------------------------------------------------
    def _dock(self, title: str, widget, area=Qt.DockWidgetArea.RightDockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self):
        self.palette_panel = PalettePanel(self.session, self.state)
        self.noise_panel = NoisePanel(self.noise, self.state)
        self.variations_panel = VariationsPanel(self.generation)
        self.history = QUndoView(self.session.stack)
        self.history.setEmptyLabel("(opened)")
        self.classes_dock = self._dock("Classes", self.palette_panel)
        self.noise_dock = self._dock("Noise", self.noise_panel)
        self.variations_dock = self._dock("Variations", self.variations_panel)
        self.history_dock = self._dock("History", self.history)
        self.tabifyDockWidget(self.noise_dock, self.variations_dock)
        self.tabifyDockWidget(self.variations_dock, self.history_dock)
        self.noise_dock.raise_()
        self.resizeDocks([self.classes_dock], [300], Qt.Orientation.Horizontal)
        self.resizeDocks([self.classes_dock, self.noise_dock], [430, 330], Qt.Orientation.Vertical)

    def _action(self, text, slot, icon=None, shortcut=None, checkable=False, tip=None) -> QAction:
        act = QAction(qta.icon(icon) if icon else QAction().icon(), text, self)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        act.setCheckable(checkable)
        if tip:
            act.setToolTip(f"{tip} ({act.shortcut().toString()})" if shortcut else tip)
            act.setStatusTip(tip)
        (act.toggled if checkable else act.triggered).connect(slot)
        return act

    def _set_exact(self, exact: bool) -> None:
        self.generation.precision = "fp32" if exact else "auto"

    def _build_actions(self):
        a = self._action
        self.undo_action = self.session.undo.action(redo=False, parent=self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.setIcon(qta.icon("fa5s.undo"))
        self.redo_action = self.session.undo.action(redo=True, parent=self)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.setIcon(qta.icon("fa5s.redo"))
        self.generate_action = a("Generate", lambda: self.generation.generate(), "fa5s.magic", "Ctrl+G",
                                 tip="Generate the image from the label map and noise")
        self.live_action = a("Live", self.generation.set_live, "fa5s.bolt", "Ctrl+L", checkable=True,
                             tip="Regenerate after every edit")
        self.exact_action = a("Exact mode (fp32)", self._set_exact, "fa5s.crosshairs", checkable=True,
                              tip="Generate with the exact fp32 path that equals the public OASIS code "
                                  "(the default fast path differs by < 1%)")
        self.new_seed_action = a("New seed", lambda: self.noise.new_seed(), "fa5s.dice", "Ctrl+R",
                                 tip="Random global seed (locked regions keep their look)")
        self.fit_action = a("Fit to window", self.canvas.fit, "fa5s.expand", "Ctrl+0")
        self.zoom_in_action = a("Zoom in", lambda: self.canvas.zoom_by(1.25), "fa5s.search-plus", "Ctrl+=")
        self.zoom_out_action = a("Zoom out", lambda: self.canvas.zoom_by(0.8), "fa5s.search-minus", "Ctrl+-")
        self.smaller_action = a("Smaller brush", lambda: self.state.grow_brush(False), shortcut="[")
        self.bigger_action = a("Bigger brush", lambda: self.state.grow_brush(True), shortcut="]")
        self.tool_group = QActionGroup(self)
        self.tool_actions = {}
        for name, tool in self.tools.items():
            act = a(tool.label, lambda _=False, n=name: self.select_tool(n), tool.icon, tool.shortcut, True, tool.tip)
            act.toggled.disconnect()
            act.triggered.connect(lambda _=False, n=name: self.select_tool(n))
            self.tool_group.addAction(act)
            self.tool_actions[name] = act
        self.addActions([self.smaller_action, self.bigger_action])

    def _build_toolbars(self):
        tools = QToolBar("Tools", self)
        tools.setObjectName("tools")
        tools.setMovable(False)
        for name, act in self.tool_actions.items():
            if name == "eyedropper" or name == "noise":
                tools.addSeparator()
            tools.addAction(act)
        self.addToolBar(Qt.ToolBarArea.LeftToolBarArea, tools)

        main = QToolBar("Main", self)
        main.setObjectName("main")
        main.setMovable(False)
        main.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        main.addAction(self.generate_action)
        main.addAction(self.live_action)
        main.addSeparator()
        for act in (self.undo_action, self.redo_action):  # icon only: the text changes with every step
            main.addAction(act)
            button = main.widgetForAction(act)
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        main.addSeparator()
        main.addWidget(QLabel(" Brush "))
        # Qt properties as keywords below: PySide6 takes them, its stubs omit them (hence the ignores)
        self.brush_slider = QSlider(Qt.Orientation.Horizontal, minimum=MIN_BRUSH, maximum=128,
                                    value=self.state.brush_size)  # type: ignore[call-overload]
        self.brush_slider.setFixedWidth(140)
        self.brush_spin = QSpinBox(minimum=MIN_BRUSH, maximum=MAX_BRUSH, value=self.state.brush_size, suffix=" px")
        self.brush_spin.setToolTip("Brush diameter in label pixels ([ and ])")
        main.addWidget(self.brush_slider)
        main.addWidget(self.brush_spin)
        main.addSeparator()
        main.addWidget(QLabel(" View "))
        self.view_mode = QComboBox()
        self.view_mode.addItems([OVERLAY, SIDE_BY_SIDE])
        main.addWidget(self.view_mode)
        main.addWidget(QLabel(" Label opacity "))
        self.opacity = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100,
                               value=int(self.canvas.opacity * 100))  # type: ignore[call-overload]
        self.opacity.setFixedWidth(110)
        self.opacity.setToolTip("Opacity of the label map over the generated image")
        main.addWidget(self.opacity)
        main.addAction(self.fit_action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, main)

    def _build_menus(self):
        mb = self.menuBar()
        a = self._action
        f = mb.addMenu("&File")
        self.new_action = a("New", self.new_document, "fa5s.file", "Ctrl+N",
                            tip="A new, empty label map for the open model")
        f.addAction(self.new_action)
        f.addAction(a("Open project…", lambda: self.files.open_project(), "fa5s.folder-open", "Ctrl+O"))
        f.addAction(a("Save project", lambda: self.files.save_project(), "fa5s.save", "Ctrl+S"))
        f.addAction(a("Save project as…", lambda: self.files.save_project(True), None, "Ctrl+Shift+S"))
        f.addSeparator()
        f.addAction(a("Open label map…", lambda: self.files.open_label_map(), "fa5s.map"))
        f.addAction(a("Save label map…", self.files.save_label_map, "fa5s.map-marked"))
        f.addAction(a("Import colour-coded label map…", lambda: self.files.import_colour_coded(), "fa5s.palette"))
        f.addSeparator()
        f.addAction(a("Photo to layout…", self.show_photo_dialog, "fa5s.camera", "Ctrl+Shift+P"))
        f.addSeparator()
        f.addAction(a("Export image…", self.files.export_image, "fa5s.file-image", "Ctrl+E"))
        f.addAction(a("Export colourised label map…", self.files.export_colourised))
        f.addAction(a("Export variations…", lambda: self.files.export_variations(
            self.variations_panel.seeds, self.variations_panel.images)))
        f.addSeparator()
        f.addAction(a("Quit", self.close, None, "Ctrl+Q"))
        e = mb.addMenu("&Edit")
        e.addActions([self.undo_action, self.redo_action])
        e.addSeparator()
        e.addActions([self.smaller_action, self.bigger_action])
        t = mb.addMenu("&Tools")
        t.addActions(list(self.tool_actions.values()))
        v = mb.addMenu("&View")
        v.addActions([self.fit_action, self.zoom_in_action, self.zoom_out_action])
        v.addAction(a("Toggle side by side", lambda: self.view_mode.setCurrentIndex(1 - self.view_mode.currentIndex()),
                      "fa5s.columns", "Tab"))
        v.addSeparator()
        for dock in (self.classes_dock, self.noise_dock, self.variations_dock, self.history_dock):
            v.addAction(dock.toggleViewAction())
        g = mb.addMenu("&Generate")
        g.addActions([self.generate_action, self.live_action, self.new_seed_action])
        g.addSeparator()
        g.addAction(self.exact_action)
        g.addAction(a("Variations", self._make_variations, "fa5s.th", "Ctrl+Shift+G"))
        m = mb.addMenu("&Model")
        m.addAction(a("Open model folder…", self.models.open_model_folder, "fa5s.cube", "Ctrl+M"))
        m.addAction(a("Import public OASIS run…", self.models.import_run, "fa5s.file-import"))
        self.recent_menu = QMenu("Recent models", self)
        self.recent_menu.aboutToShow.connect(lambda: self.models.fill_recent_menu(self.recent_menu))
        m.addMenu(self.recent_menu)
        from .training_panel import TrainingMenu

        self.training = TrainingMenu(self)  # Train menu + Training dock (one-shot models)
        v.addAction(self.training.dock.toggleViewAction())

    def _build_status(self):
        sb = self.statusBar()
        self.cursor_label = QLabel()
        self.gen_label = QLabel()
        self.model_label = QLabel("No model")
        self.busy = QProgressBar(maximumWidth=90, maximumHeight=14, minimum=0, maximum=0,  # type: ignore[call-arg]
                                 textVisible=False)
        self.busy.setToolTip("The engine is working")
        self.busy.hide()
        sb.addWidget(self.cursor_label, 1)
        sb.addPermanentWidget(self.gen_label)
        sb.addPermanentWidget(self.busy)
        sb.addPermanentWidget(self.model_label)

    def _connect(self):
        e, s = self.engine, self.state
        e.modelLoaded.connect(self._on_model_loaded)
        e.failed.connect(self._on_failed)
        e.busyChanged.connect(self.busy.setVisible)
        e.busyChanged.connect(lambda b: self.generate_action.setText("Generating…" if b else "Generate"))
        self.generation.imageAdopted.connect(lambda sec: self.gen_label.setText(f"generated in {sec * 1000:.0f} ms"))
        self.noise.previewRequested.connect(self.generation.preview)
        self.brush_slider.valueChanged.connect(s.set_brush_size)
        self.brush_spin.valueChanged.connect(s.set_brush_size)
        s.brushSizeChanged.connect(self._show_brush_size)
        self.view_mode.currentTextChanged.connect(self.canvas.set_mode)
        self.opacity.valueChanged.connect(lambda v: self.canvas.set_opacity(v / 100))
        self.canvas.cursorInfo.connect(self.cursor_label.setText)
        self.files.projectOpened.connect(self.open_document)
        self.session.pathChanged.connect(self._update_title)
        self.session.modelChanged.connect(lambda: self.state.fit_model(self.session.doc.model.num_classes))
        self.generation.message.connect(lambda t: self.statusBar().showMessage(t, 8000))
        self.files.message.connect(lambda t: self.statusBar().showMessage(t, 5000))
        self.variations_panel.exportRequested.connect(self.files.export_variations)
        self.session.cleanChanged.connect(self._on_clean_changed)
        self._update_title()

    # -- behaviour -------------------------------------------------------------------------------
    def select_tool(self, name: str):
        self.tool_actions[name].setChecked(True)
        self.canvas.set_tool(self.tools[name])

    def _show_brush_size(self, size: int):
        for wdg in (self.brush_slider, self.brush_spin):
            wdg.blockSignals(True)
            wdg.setValue(size)
            wdg.blockSignals(False)
        self.canvas.update()

    def _set_model_available(self, available: bool):
        for act in [self.generate_action, self.live_action, self.new_seed_action, self.new_action,
                    *self.tool_actions.values()]:
            act.setEnabled(available)
        self.canvas.setEnabled(available)
        for dock in (self.noise_dock, self.variations_dock, self.classes_dock):
            dock.widget().setEnabled(available)

    def _on_clean_changed(self, clean: bool):
        self.setWindowModified(not clean)

    def _update_title(self, *_):
        name = self.session.project_path.name if self.session.project_path else "untitled"
        self.setWindowTitle(f"{name}[*] — OASIS Studio")

    # -- replacing the document ------------------------------------------------------------------
    def ask_unsaved(self, action: str) -> str:
        """"save", "discard" or "cancel" (tests replace this to answer without a modal dialog)."""
        name = self.session.project_path.name if self.session.project_path else "The untitled document"
        answer = QMessageBox.question(
            self, "Unsaved changes", f"{name} has unsaved changes. Save them before {action}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)
        return {QMessageBox.StandardButton.Save: "save", QMessageBox.StandardButton.Discard: "discard"}.get(
            answer, "cancel")

    def confirm_discard(self, action: str) -> bool:
        """The one gate before the open document goes away (open, drop, new, model switch, quit): True
        when it may go -- nothing unsaved, saved now, or the user chose Discard."""
        if not self.ask_to_save or self.session.is_clean:
            return True
        answer = self.ask_unsaved(action)
        if answer == "save":
            return self.files.save_project()  # False when the Save dialog was cancelled or saving failed
        return answer == "discard"

    def new_document(self) -> bool:
        """File > New: an empty label map for the open model, untitled."""
        if self.engine.config is None or not self.confirm_discard("starting a new document"):
            return False
        ref = ModelReference.from_config(self.engine.config, self.engine.folder)
        self.session.replace_document(LabelDocument.new(ref, seed=0), None)
        return True

    def _open_model_ref(self) -> ModelReference | None:
        return None if self.engine.config is None else ModelReference.from_config(self.engine.config,
                                                                                   self.engine.folder)

    def _keeps_document(self, ref: ModelReference, doc: LabelDocument | None = None) -> bool:
        """Whether the document can stay as it is with model `ref` (same classes, noise size and size)."""
        doc = doc or self.session.doc
        return doc.model is not NO_MODEL and doc.model.compatible_with(ref) and doc.shape == (ref.height, ref.width)

    def load_model(self, folder, confirmed: bool = False) -> int | None:
        """Open a model folder. The model already open is not loaded again (the document and its history
        stay). A model the document cannot stay with asks about unsaved work first; `confirmed` means a
        caller has asked already. Returns the engine request id, None when nothing was started."""
        folder = Path(folder)
        if not confirmed and self.engine.folder is not None and self._pending_project is None and \
                _same_path(self.engine.folder, folder):
            self.statusBar().showMessage(f"{folder.name} is already the open model", 5000)
            return None
        if not confirmed:
            ref = _peek_model(folder)  # None: unreadable, and the engine's load reports why
            if ref is not None and not self._keeps_document(ref) and \
                    not self.confirm_discard(f"switching to the model {folder.name}"):
                return None
        return self._loads.track(self.models.load(folder, on_message=self._on_load_answer))

    def _on_load_answer(self, msg: w.Message) -> None:
        if isinstance(msg, w.Failed) and self._loads.wants(msg):
            self._pending_project = None  # the project waited for this model (the dialog says why)

    def _make_variations(self) -> None:
        self.variations_dock.raise_()
        self.generation.make_variations(self.variations_panel.count.value())

    def _on_model_loaded(self, msg: w.ModelLoaded):
        ref = ModelReference.from_config(msg.config, msg.folder)
        pending, self._pending_project = self._pending_project, None
        if pending is not None and self._keeps_document(ref, pending[0]):
            self.session.replace_document(replace(pending[0], model=ref), pending[1])
        elif self._keeps_document(ref):
            self.session.set_model(ref)  # same classes and size: layout, noise and history stay
        else:
            self.session.replace_document(LabelDocument.new(ref, seed=0), None)  # a new, untitled document
        self._set_model_available(True)
        cfg = msg.config
        self.model_label.setText(f"{Path(msg.folder).name}  ·  {cfg.num_classes} classes  ·  "
                                 f"{cfg.width}×{cfg.height}  ·  {msg.device}"
                                 + ("" if msg.can_segment else "  ·  no segmentation"))
        self.model_label.setToolTip(str(msg.folder))
        freeze_long_lived()  # the model's objects live as long as it is open: keep them out of GC passes
        if self.session.doc.image is None and self.generation.live:
            self.generation.generate()

    def open_document(self, doc: LabelDocument, path=None, confirmed: bool = False) -> bool:
        """A project was read from `path`: it replaces the open document (after asking about unsaved
        work unless `confirmed`), with the current model if compatible, else once its model has loaded."""
        if not confirmed and not self.confirm_discard(f"opening {Path(path).name if path else 'the project'}"):
            return False
        current = self.engine.folder
        open_ref = self._open_model_ref()
        same = current is not None and _same_path(current, doc.model.folder)
        compatible = open_ref is not None and doc.model.compatible_with(open_ref)
        if open_ref is not None and (same or (compatible and not Path(doc.model.folder).is_dir())):
            self.session.replace_document(replace(doc, model=open_ref), path)
        elif Path(doc.model.folder).is_dir():
            self._pending_project = (doc, path)  # opened when its model has loaded (dropped if loading fails)
            self.load_model(doc.model.folder, confirmed=True)
        else:
            show_error(self, "Model not found",
                       f"The project's model folder {doc.model.folder} does not exist. Open a model with "
                       f"{doc.model.num_classes} classes and noise size {doc.model.z_dim}, then open the project "
                       "again.")
            return False
        return True

    def _on_failed(self, msg: w.Failed):
        """Every engine failure that no handler reported itself (EngineClient.submit(reports_failure=...))."""
        self.statusBar().showMessage(msg.text, 8000)
        show_error(self, "Engine", msg.text, msg.details)

    def show_photo_dialog(self):
        from .photo_dialog import PhotoToLayoutDialog

        if getattr(self, "_photo_dialog", None) is None:
            self._photo_dialog = PhotoToLayoutDialog(self.generation, self.engine, self)
        self._photo_dialog._update_enabled()
        self._photo_dialog.show()
        self._photo_dialog.raise_()
        return self._photo_dialog

    def closeEvent(self, event):
        if not self.confirm_discard("closing"):
            event.ignore()
            return
        self.engine.shutdown()
        super().closeEvent(event)
        self.closed.emit()
