"""The importer accepts exactly the keys and shapes of the real public checkpoints, and names problems."""

import json

import pytest
import torch

from engine.errors import InputError
from engine.importer import import_oasis_run
from engine.model_folder import load_model_folder
from tests.conftest import KEY_MANIFEST

MANIFEST = json.loads(KEY_MANIFEST.read_text())
OPT_LINE = "{:>25}: {:<30}"


def _random_state(shapes: dict, seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    out = {}
    for k, shape in shapes.items():
        if k.endswith("num_batches_tracked"):
            out[k] = torch.tensor(7, dtype=torch.long)
        elif k.endswith("running_var"):
            out[k] = torch.rand(shape, generator=g) + 0.5
        else:
            out[k] = torch.randn(shape, generator=g) * 0.02
    return out


def _write_run(root, dataset, g_state, d_state=None):
    cfg = MANIFEST[dataset]["config"]
    (root / "models").mkdir(parents=True)
    opts = {"dataset_mode": dataset, "channels_G": cfg["channels_G"], "z_dim": cfg["z_dim"],
            "num_res_blocks": cfg["num_res_blocks"], "param_free_norm": cfg["param_free_norm"],
            "spade_ks": cfg["spade_ks"], "no_3dnoise": False, "no_spectral_norm": False}
    (root / "opt.txt").write_text("\n".join(OPT_LINE.format(k, str(v)) for k, v in opts.items()) + "\n")
    torch.save(g_state, root / "models" / "best_EMA.pth")
    if d_state is not None:
        torch.save(d_state, root / "models" / "best_D.pth")
    return root


@pytest.mark.parametrize("dataset", ["ade20k", "cityscapes", "coco"])
def test_full_size_checkpoints_import(tmp_path, dataset):
    entry = MANIFEST[dataset]
    run = _write_run(tmp_path / "run", dataset, _random_state(entry["G_and_EMA"], 1), _random_state(entry["D"], 2))
    out = import_oasis_run(run, tmp_path / "model")
    cfg, gen, disc = load_model_folder(out)
    c = entry["config"]
    assert cfg.num_classes == c["semantic_nc"] and cfg.generator.base_width == c["channels_G"]
    assert (cfg.height, cfg.width) == (c["crop_size"] // int(c["aspect_ratio"]), c["crop_size"])
    assert len(cfg.class_names) == c["semantic_nc"] and cfg.unknown_index == 0
    assert disc is not None and disc.layer_up_last.out_channels == c["semantic_nc"] + 1


@pytest.fixture(scope="module")
def cityscapes_states():
    entry = MANIFEST["cityscapes"]
    return _random_state(entry["G_and_EMA"], 3), _random_state(entry["D"], 4)


@pytest.mark.parametrize("which", ["G", "D"])
@pytest.mark.parametrize("fault", ["missing", "misshaped"])
def test_bad_key_is_named(tmp_path, cityscapes_states, which, fault):
    g, d = (dict(s) for s in cityscapes_states)
    target = g if which == "G" else d
    key = "body.3.norm_1.mlp_gamma.weight" if which == "G" else "body_up.2.conv_s.weight_orig"
    if fault == "missing":
        del target[key]
    else:
        target[key] = torch.zeros(*target[key].shape[:-1], target[key].shape[-1] + 1)
    run = _write_run(tmp_path / "run", "cityscapes", g, d)
    with pytest.raises(InputError) as err:
        import_oasis_run(run, tmp_path / "model")
    msg = str(err.value)
    assert key in msg and ("missing" in msg if fault == "missing" else "shape" in msg)
    assert not (tmp_path / "model").exists()  # nothing half-written


def test_class_count_checked_against_dataset(tmp_path, cityscapes_states):
    g, d = cityscapes_states
    run = _write_run(tmp_path / "run", "ade20k", g, d)  # cityscapes weights claiming to be ade20k
    with pytest.raises(InputError, match="ade20k has 151 classes but the weights have 35"):
        import_oasis_run(run, tmp_path / "model")
