"""The fast path's building blocks against their plain PyTorch definitions (small random inputs)."""

import pytest
import torch
import torch.nn.functional as F

from engine.fast import generator as gen_mod
from engine.fast import modulation
from engine.fast.winograd import BAND_TILES, Conv, WinogradConv3x3


def _rel(a, b):
    return float((a - b).norm() / b.norm())


@pytest.mark.parametrize("tile", [4, 2])
@pytest.mark.parametrize("size", [(5, 7), (48, 44)])  # ragged tiles; several bands (48 x 44: 12 x 11 tiles)
def test_winograd_matches_conv2d(tile, size):
    torch.manual_seed(0)
    x = torch.randn(1, 6, *size).contiguous(memory_format=torch.channels_last)
    w, b = torch.randn(5, 6, 3, 3), torch.randn(5)
    want = F.conv2d(x, w, b, padding=1)
    got = WinogradConv3x3(w, b, "cpu", output_tile=tile)(x)
    assert got.shape == want.shape and _rel(got, want) <= 1e-5
    if size == (48, 44) and tile == 4:
        assert 12 * 11 > BAND_TILES  # the case really runs more than one band


def test_dense_and_sorted_pair_numbering_agree():
    g = torch.Generator().manual_seed(1)
    a, b = torch.randint(0, 40, (30, 20), generator=g), torch.randint(0, 9, (30, 20), generator=g)
    inv, ua, ub = modulation._pair(a, b)  # small key range: the presence-table path
    uniq, inv_ref = torch.unique(a * 9 + b, return_inverse=True)
    assert torch.equal(inv, inv_ref) and torch.equal(ua * 9 + ub, uniq)
    big = a * 10**6  # key range far above the element count: the sort path
    inv2, ua2, _ = modulation._pair(big, b)
    assert torch.equal(inv2, inv_ref) and torch.equal(ua2, ua * 10**6)


def test_upsample_into_matches_interpolate():
    x = torch.randn(1, 3, 4, 5).contiguous(memory_format=torch.channels_last)
    dst = torch.zeros(1, 3, 10, 12).contiguous(memory_format=torch.channels_last)
    gen_mod._upsample_into(dst[:, :, 1:9, 2:12], x)
    assert torch.equal(dst[:, :, 1:9, 2:12], F.interpolate(x, scale_factor=2, mode="nearest"))
    assert dst[:, :, 0].abs().sum() == 0 and dst[:, :, :, :2].abs().sum() == 0


@pytest.mark.parametrize("slope", [0.2, None])
def test_banded_modulation_matches_whole_map(monkeypatch, slope):
    g = torch.Generator().manual_seed(2)
    nc, h, w = 3, 9, 7
    table = torch.randn(11, 2 * nc, generator=g)
    ids = torch.randint(0, 11, (h, w), generator=g)
    x = torch.randn(1, nc, h, w, generator=g).contiguous(memory_format=torch.channels_last)
    ab = table[ids].permute(2, 0, 1)[None]
    want = x * ab[:, :nc] + ab[:, nc:]
    if slope is not None:
        want = F.leaky_relu(want, slope)
    monkeypatch.setattr(gen_mod, "AB_CHUNK", 2 * w * 2 * nc)  # bands of 2 rows, a ragged last one
    got = gen_mod._modulate(x, table, ids, gen_mod.Workspace("cpu"), slope=slope)
    assert torch.allclose(got, want, atol=1e-6)


def test_im2col_route_matches_conv2d():
    torch.manual_seed(3)
    conv = torch.nn.Conv2d(6, 5, 3, padding=1)
    x = torch.randn(1, 6, 8, 7).contiguous(memory_format=torch.channels_last)
    got = Conv(conv, torch.float32, torch.device("cpu"), winograd=True)._im2col(x)
    assert _rel(got, conv(x).detach()) <= 1e-6
