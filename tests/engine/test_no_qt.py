"""The engine and its CLI work where PySide6 is absent."""

import subprocess
import sys

from tests.conftest import REPO, VECTORS

BLOCK_QT = """
import importlib.abc, sys
class BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6', 'qtawesome'):
            raise ImportError('Qt is blocked in this test: ' + name)
sys.meta_path.insert(0, BlockQt())
"""


def test_engine_imports_and_cli_runs_without_qt(tiny_model_dir, tmp_path):
    code = BLOCK_QT + f"""
import pkgutil, importlib, engine
for m in pkgutil.walk_packages(engine.__path__, 'engine.'):
    if m.name.endswith('__main__'):
        continue
    importlib.import_module(m.name)
assert not any(k.startswith('PySide6') for k in sys.modules)
from engine.cli import main
rc = main(['generate', '--model', {str(tiny_model_dir)!r}, '--labels', {str(VECTORS / 'label_index.npy')!r},
           '--out', {str(tmp_path / 'x.png')!r}])
sys.exit(rc)
"""
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "x.png").exists()
