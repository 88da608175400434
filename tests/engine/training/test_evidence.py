"""KID, the stripe and border measures, random painted layouts and the dataset-layout reader of the
report's evidence (engine/kid.py, engine/training/stripes.py, evidence.py)."""

import numpy as np
import pytest

from engine.kid import kernel_inception_distance, mmd2_unbiased
from engine.training.painted_layouts import random_layout
from engine.training.stripes import border_profile, stripe_shares


def _direct_mmd2(x, y):
    """The textbook U-statistic, one kernel evaluation at a time."""
    d = x.shape[1]

    def k(a, b):
        return (float(np.dot(a, b)) / d + 1.0) ** 3

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def test_mmd2_matches_the_direct_definition():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((7, 5)), rng.standard_normal((9, 5)) + 0.3
    assert mmd2_unbiased(x, y) == pytest.approx(_direct_mmd2(x, y), rel=1e-10, abs=1e-12)


def test_kid_is_zero_in_expectation_for_one_distribution_and_positive_for_a_shift():
    rng = np.random.default_rng(2)
    same = np.array([mmd2_unbiased(rng.standard_normal((10, 4)), rng.standard_normal((10, 4))) for _ in range(400)])
    se = same.std() / np.sqrt(len(same))
    assert abs(same.mean()) < 3 * se
    # the biased estimate (i = j terms kept) on the same kind of draws is clearly positive: the test
    # above would see a bias of that size
    def biased(x, y):
        def k(a, b):
            return ((a @ b.T / 4 + 1) ** 3).mean()
        return float(k(x, x) + k(y, y) - 2 * k(x, y))
    bias = np.array([biased(rng.standard_normal((10, 4)), rng.standard_normal((10, 4))) for _ in range(400)])
    assert bias.mean() > 10 * se
    a, b = rng.standard_normal((100, 8)), rng.standard_normal((100, 8))
    equal = kernel_inception_distance(a, b)
    shifted = kernel_inception_distance(a, b + 0.5)
    assert equal["subset_size"] == 50 and abs(equal["kid"]) < 2 * equal["std"]
    assert shifted["kid"] > 3 * shifted["std"] and shifted["kid"] > 0.5
    with pytest.raises(ValueError, match="larger than a set"):
        kernel_inception_distance(a[:10], b, subset_size=20)


def _two_regions():
    labels = np.zeros((256, 256), np.int64)
    labels[128:] = 1
    return labels


def test_stripe_measure_sees_streaks_and_stripes_and_not_isotropic_texture():
    rng = np.random.default_rng(0)
    labels = _two_regions()
    noise = rng.standard_normal((256, 256)) * 20 + 128
    lines = np.tile(rng.standard_normal(256) * 10, (256, 1))  # constant down every column
    plain = stripe_shares(noise, labels)
    assert abs(plain["columns"]) < 0.02 and abs(plain["rows"]) < 0.02
    streaks = stripe_shares(noise + lines, labels)
    assert streaks["columns"] > 0.1 and abs(streaks["rows"]) < 0.02
    stripes = stripe_shares(noise + lines.T, labels)
    assert stripes["rows"] > 0.1 and abs(stripes["columns"]) < 0.02
    # colour images (H x W x 3 uint8) are read as their grey mean
    rgb = np.repeat(np.clip(noise + lines, 0, 255).astype(np.uint8)[..., None], 3, axis=2)
    assert stripe_shares(rgb, labels)["columns"] > 0.1
    assert stripe_shares(np.full((256, 256), 90.0), labels) == {"columns": 0.0, "rows": 0.0}


def test_border_measure_sees_a_light_or_dark_frame():
    rng = np.random.default_rng(0)
    labels = _two_regions()
    image = rng.standard_normal((256, 256)) * 20 + 120
    plain = border_profile(image, labels)
    assert abs(plain["excess"]) < 2 and plain["contrast"] < 2
    framed = image.copy()
    framed[0] += 40
    framed[-1] += 40
    framed[:, 0] += 40
    framed[:, -1] += 40
    light = border_profile(framed, labels)
    assert 37 < light["excess"] < 43 and 37 < light["contrast"] < 43
    dark = border_profile(image - (framed - image), labels)
    assert -43 < dark["excess"] < -37 and 37 < dark["contrast"] < 43


def test_random_painted_layouts_are_fresh_and_use_only_named_classes():
    names = ["unknown", "sky", "cloud", "water", "sand", "grass", "tree", "mountain", "ground", "building", "snow"]
    index = {n: i for i, n in enumerate(names)}
    rng = np.random.default_rng(0)
    maps = [random_layout(index, rng) for _ in range(30)]
    assert all(m.shape == (256, 256) and 0 not in np.unique(m) for m in maps)
    assert len({m.tobytes() for m in maps}) == 30
    used = set(np.unique(np.stack(maps)))
    assert {index[n] for n in ("sky", "cloud", "water", "grass", "tree", "mountain")} <= used
    few = {"unknown": 0, "sky": 1, "water": 2, "grass": 3}  # a dataset with three classes
    small = [random_layout(few, rng, 64) for _ in range(10)]
    assert all(m.shape == (64, 64) and set(np.unique(m)) <= {1, 2, 3} for m in small)


def test_split_pairs_reads_the_folder_layout(tmp_path, synthetic_data):
    import shutil

    from engine.errors import InputError
    from engine.training.evidence import class_mean_colours, split_pairs

    for split in ("train", "heldout"):
        shutil.copytree(synthetic_data / "photos", tmp_path / split / "images")
        shutil.copytree(synthetic_data / "labels", tmp_path / split / "labels")
        shutil.copy(synthetic_data / "classes.json", tmp_path / split / "classes.json")
    names = ("unknown", "sky", "water", "grass")
    pairs = split_pairs(tmp_path, "heldout", names)
    assert [p.name for p in pairs] == ["p0", "p1", "p2", "p3"]
    assert pairs[0].labels.dtype == np.uint8 and pairs[0].image.shape == (96, 96, 3)
    with pytest.raises(InputError, match="classes .* are not the model's"):
        split_pairs(tmp_path, "heldout", ("unknown", "sky", "grass", "water"))
    colours = class_mean_colours(pairs, 5)
    # the synthetic photos are each class's colour plus symmetric noise; class 4 has no pixels
    assert np.abs(colours[1].astype(int) - (70, 130, 230)).max() <= 2
    assert tuple(colours[4]) == (128, 128, 128)


def test_random_painted_layouts_refuse_a_class_list_without_sky_and_land():
    from engine.errors import InputError

    with pytest.raises(InputError, match="need the classes 'sky'.*these classes are: unknown, road"):
        random_layout({"unknown": 0, "road": 1}, np.random.default_rng(0))


def test_report_refuses_an_unknown_section(tmp_path, capsys):
    from engine.training.report import main

    with pytest.raises(SystemExit) as e:
        main(["--model", str(tmp_path), "--data", str(tmp_path), "--images", str(tmp_path), "--sections", "grid,kd"])
    assert e.value.code == 2 and "unknown section(s) kd" in capsys.readouterr().err


def test_reference_sets_are_cached_until_the_data_changes(tmp_path, synthetic_data):
    from types import SimpleNamespace

    from engine.training.data import load_pairs
    from engine.training.evidence import EvidenceSettings, reference_sets

    pairs = load_pairs(synthetic_data / "photos", synthetic_data / "labels", 4)
    cfg = SimpleNamespace(height=64, width=64, class_names=("unknown", "sky", "water", "grass"), num_classes=4,
                          unknown_index=0)
    calls = []

    def extract(images):  # a stand-in for InceptionV3: cheap, deterministic features
        calls.append(len(images))
        return images.reshape(len(images), -1)[:, :16].astype(np.float64)

    settings, cache = EvidenceSettings(samples=4), tmp_path / "cache.npz"
    first = reference_sets(cfg, pairs[:2], pairs[2:], settings, extract, cache)
    assert calls == [4] * 5 and first["painted_labels"].shape == (4, 64, 64)
    again = reference_sets(cfg, pairs[:2], pairs[2:], settings, extract, cache)
    assert calls == [4] * 5 and np.array_equal(again["features_real_a"], first["features_real_a"])
    pairs[0].labels = pairs[0].labels.copy()
    pairs[0].labels[40:50] = 3  # a relabelled photo: the cached crops are stale
    reference_sets(cfg, pairs[:2], pairs[2:], settings, extract, cache)
    assert calls == [4] * 10
