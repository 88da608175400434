import math
import os

import numpy as np
import pytest
import torch
from PIL import Image

from engine.oneshot import checkpoint as ckpt
from engine.oneshot.data import load_inputs
from engine.oneshot.errors import OneShotInputError
from engine.oneshot.sample import sample_run
from engine.oneshot.trainer import train

from .oneshot_testdata import BMX_IMAGE, BMX_MASK, tiny_config


@pytest.mark.parametrize("masks", [False, True], ids=["sivgan", "osmis"])
def test_few_iterations_report_progress_and_previews(tmp_path, masks):
    reports, previews = [], []
    trainer = train(tiny_config(masks), str(tmp_path), progress=reports.append, preview=previews.append)
    assert trainer.iteration == 3 and [r.iteration for r in reports] == [1, 2, 3]
    assert all(math.isfinite(v) for r in reports for v in r.losses.values())
    assert reports[-1].total == 3 and reports[-1].eta_s == 0
    assert len(previews) == 1 and previews[0]["images"].dtype == np.uint8
    assert previews[0]["images"].shape[1:] == (24, 48, 3)
    assert ("masks" in previews[0]) == masks
    assert os.path.exists(tmp_path / "checkpoints" / "state.json")


def test_stop_request_is_seen_before_the_next_iteration(tmp_path):
    calls = []
    trainer = train(tiny_config(False, iterations=50), str(tmp_path),
                    should_stop=lambda: len(calls) >= 2, progress=calls.append)
    assert trainer.iteration == 2
    state, _ = ckpt.read_state(str(tmp_path))
    assert state["iteration"] == 2  # checkpoint written on stop


def _all_tensors(run_dir):
    return ckpt.read_state(run_dir)[1]


def test_resume_gives_exactly_the_same_next_step(tmp_path):
    straight, split = str(tmp_path / "straight"), str(tmp_path / "split")
    train(tiny_config(True, iterations=3), straight)
    train(tiny_config(True, iterations=2), split)
    train(None, split, resume=True, iterations=3)
    a, b = _all_tensors(straight), _all_tensors(split)
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, different[:5]
    assert any(k.startswith("optD.") for k in a) and "rng.torch" in a


def test_sampling_writes_aligned_image_mask_pairs(tmp_path):
    run = str(tmp_path / "run")
    train(tiny_config(True, iterations=1), run)
    paths = sample_run(run, 5, str(tmp_path / "out"))
    assert len(paths) == 5
    for p in paths:
        mask_path = os.path.join(os.path.dirname(p), "masks", os.path.basename(p))
        img, mask = Image.open(p), Image.open(mask_path)
        assert img.mode == "RGB" and mask.mode == "P" and img.size == mask.size == (48, 24)
        assert np.asarray(mask).max() < 3


def test_input_errors_name_the_file(tmp_path):
    with pytest.raises(OneShotInputError, match="nothing.jpg"):
        load_inputs(str(tmp_path / "nothing.jpg"))
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    with pytest.raises(OneShotInputError, match="bad.jpg: "):
        load_inputs(str(bad))
    rgb_mask = tmp_path / "rgb.png"
    Image.open(BMX_MASK).convert("RGB").save(rgb_mask)
    with pytest.raises(OneShotInputError, match="rgb.png: mask must be an indexed PNG"):
        load_inputs(BMX_IMAGE, str(rgb_mask))
    small = tmp_path / "small.png"
    Image.open(BMX_MASK).resize((10, 10)).save(small)
    with pytest.raises(OneShotInputError, match="small.png: mask size 10x10 differs"):
        load_inputs(BMX_IMAGE, str(small))
    folder = tmp_path / "frames"
    folder.mkdir()
    Image.open(BMX_IMAGE).save(folder / "a.png")
    Image.open(BMX_IMAGE).resize((100, 50)).save(folder / "b.png")
    with pytest.raises(OneShotInputError, match="b.png: size 100x50 differs"):
        load_inputs(str(folder))
    (folder / "b.png").unlink()
    masks = tmp_path / "masks"
    masks.mkdir()
    with pytest.raises(OneShotInputError, match="a.png: missing mask for image 'a'"):
        load_inputs(str(folder), str(masks))


def test_video_frames_are_sampled_evenly(tmp_path):
    import cv2
    path = str(tmp_path / "clip.avi")
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 10, (32, 16))
    for i in range(20):
        writer.write(np.full((16, 32, 3), i * 10, np.uint8))
    writer.release()
    inputs = load_inputs(path, max_frames=5)
    assert inputs.names == ["000000", "000005", "000010", "000014", "000019"]
    assert inputs.size == (16, 32)


def test_a_new_run_without_a_config_is_refused_by_name(tmp_path):
    with pytest.raises(OneShotInputError, match="no config"):
        train(None, str(tmp_path))
