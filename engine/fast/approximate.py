"""Approximate incremental regeneration for the fast precisions (within the fast path's 1 % bound).

Why: an exact incremental pass cannot be local. A 5 % stroke always touches the 1/32 sampling grid, the
8 x 8 first block changes, and through the receptive field every pixel of every later block changes a
little (docs/performance.md). Measured on the ADE20K-size random model and on the bundled model: the
change of the high-resolution block inputs is concentrated around the stroke; far from it, it is small
but not zero. So the fast mode drops the small part:

- blocks on maps of <= 32 x 32 pixels are recomputed whole when anything reaches them (they are bound by
  reading their weights, so a partial pass would not be cheaper);
- the larger blocks are cut into tiles; a tile is recomputed when the condition changed within reach
  of it (SPADE halo + two 3 x 3 convs) or when its input moved by more than `tolerance` (per pixel,
  L2 over channels, relative to the block input's RMS) within 2 pixels of it; other tiles keep their
  cached output;
- each such block keeps the input its cached tiles were computed from (`seen`): a skipped change is
  not forgotten, it is compared again after the next edit (changes add up), and the energy of all
  skipped changes (relative to the block inputs) is the drift. Above `drift_budget` the session does a
  full pass, so drift cannot accumulate past the bound however many edits follow.

Dirty tiles are cut out with their halo (zero outside the image), stacked into one tall map and pushed
through the block in one go (one pass over the weights); only each crop's inner tile is kept.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..config import SIZE_MULTIPLE
from ..oasis_generator import LRELU
from . import rects
from .generator import FastGenerator, _modulate, _pointwise_conv
from .modulation import OUT, WindowPlan

# Defaults chosen by measurement (docs/performance.md): error of 5 % strokes vs a full regenerate.
TOLERANCE = 0.1
DRIFT_BUDGET = 1e-3
WHOLE_MAP_PIXELS = 32 * 32  # blocks up to this map size are recomputed whole


def _tile_side(height: int) -> int:
    return max(16, height // 8)  # smaller tiles measured slower (halo and stacking overhead)


def _write_tile(dst: torch.Tensor, y0: int, x0: int, tile: torch.Tensor) -> None:
    """dst[..., y0:, x0:] = tile, clipped to dst (tiles at the bottom/right border may stick out)."""
    h, w = dst.shape[-2:]
    th, tw = min(tile.shape[-2], h - y0), min(tile.shape[-1], w - x0)
    dst[..., y0:y0 + th, x0:x0 + tw] = tile[..., :th, :tw]


def _stack_crops(src: torch.Tensor, tiles, t: int, halo: int, fill) -> torch.Tensor:
    """Crops of src (.. x H x W) over each tile widened by `halo`, `fill` outside the map, stacked along H."""
    h, w = src.shape[-2:]
    size = t + 2 * halo
    shape = (*src.shape[:-2], len(tiles) * size, size)
    layout = torch.channels_last if len(shape) == 4 else torch.contiguous_format
    out = torch.empty(shape, dtype=src.dtype, device=src.device, memory_format=layout).fill_(fill)
    for n, (ty, tx) in enumerate(tiles):
        y0, x0 = ty * t - halo, tx * t - halo
        ya, yb, xa, xb = max(y0, 0), min(y0 + size, h), max(x0, 0), min(x0 + size, w)
        out[..., n * size + ya - y0:n * size + yb - y0, xa - x0:xb - x0] = src[..., ya:yb, xa:xb]
    return out


class ApproximateState:
    """The fast generator's state plus, per tiled block, the inputs the cached tiles were computed from."""

    def __init__(self, gen: FastGenerator, height: int, width: int):
        self.base = gen.new_state(height, width)
        self.size = self.base.size
        self.tiled, self.tile, self.seen, self.pending, self.rms2 = [], {}, {}, {}, {}
        for i, x in enumerate(self.base.x_in):
            rh, rw = x.shape[2:]
            if rh * rw > WHOLE_MAP_PIXELS:
                t = _tile_side(rh)
                self.tiled.append(i)
                self.tile[i] = t
                self.seen[i] = torch.empty_like(x)
                self.pending[i] = torch.zeros(-(-rh // t), -(-rw // t), dtype=torch.bool, device=x.device)

    @property
    def image(self) -> torch.Tensor:
        return self.base.image


@torch.inference_mode()
def full_pass(gen: FastGenerator, labels, noise, state: ApproximateState) -> dict:
    stats = gen.run(labels, noise, state.base)
    for i in state.tiled:
        x = state.base.x_in[i]
        state.seen[i].copy_(x)
        state.pending[i].zero_()
        state.rms2[i] = float(x.pow(2).sum(1).mean())
    return {**stats, "drift": 0.0}


@torch.inference_mode()
def incremental_pass(gen: FastGenerator, labels, noise, state: ApproximateState, changed: torch.Tensor,
                     tolerance: float = TOLERANCE) -> dict:
    """Update `state` after the condition changed at `changed` (H x W bool); returns statistics."""
    with gen._run_lock:
        return _incremental(gen, labels, noise, state, changed, tolerance)


def _incremental(gen, labels, noise, state, changed, tolerance):
    height, width = labels.shape
    base = state.base
    tokens, noise_vecs = gen.tokens(labels, noise)
    input_moved = bool(changed[::SIZE_MULTIPLE, ::SIZE_MULTIPLE].any())
    if input_moved:
        base.x_in[0].copy_(gen._fc(labels, noise))
    last = len(gen.blocks) - 1
    computed, drift, out_tiles = 0, 0.0, None
    for i, blk in enumerate(gen.blocks):
        x_in = base.x_in[i]
        rh, rw = x_in.shape[2:]
        stride = SIZE_MULTIPLE >> i
        cond = changed[::stride, ::stride]
        if i not in state.tile:
            if not (input_moved or bool(cond.any())):
                input_moved = False
                continue
            tokens_r = F.pad(tokens[::stride, ::stride], (2, 2, 2, 2), value=OUT)
            out, _ = gen._block(blk, x_in, base.dx0[i], rects.full(rh, rw), tokens_r, noise_vecs, (rh, rw))
            computed += rh * rw * stride * stride
            input_moved = True
            if i < last:
                base.x_in[i + 1].copy_(F.interpolate(out, scale_factor=2, mode="nearest"))
                if i + 1 in state.pending:
                    state.pending[i + 1].fill_(True)
            else:
                base.out_last.copy_(out)
                out_tiles = "all"
            continue
        t = state.tile[i]
        dirty, skipped = _dirty_tiles(state, i, cond, t, tolerance)
        drift += skipped
        tiles = [tuple(v) for v in dirty.nonzero().tolist()]
        if not tiles:
            continue
        computed += len(tiles) * t * t * stride * stride
        out = _block_on_tiles(gen, blk, x_in, tokens[::stride, ::stride], noise_vecs, tiles, t)
        _mark_seen(state, i, dirty, t)
        if i < last:
            up = out[:, :, :, :, None, :, None].expand(*out.shape[:4], 2, t, 2).reshape(*out.shape[:3], 2 * t, 2 * t)
            nxt = base.x_in[i + 1]
            t2 = state.tile.get(i + 1)
            for n, (ty, tx) in enumerate(tiles):
                r = (2 * ty * t, 2 * (ty + 1) * t, 2 * tx * t, 2 * (tx + 1) * t)
                _write_tile(nxt, r[0], r[2], up[:, :, n])
                if t2 is not None:
                    state.pending[i + 1][r[0] // t2:-(-r[1] // t2), r[2] // t2:-(-r[3] // t2)] = True
        else:
            for n, (ty, tx) in enumerate(tiles):
                _write_tile(base.out_last, ty * t, tx * t, out[:, :, n])
            out_tiles = (tiles, t)
    if out_tiles == "all":
        base.image.copy_(torch.tanh(gen.conv_img(F.leaky_relu(base.out_last, LRELU))))
    elif out_tiles is not None:
        _update_image(gen, base, *out_tiles)
    return {"computed_fraction": computed / (height * width * len(gen.blocks)), "drift": drift}


def _mark_seen(state, i, dirty, t):
    """The inputs whose change has now reached every output it affects: pixels with all outputs within
    2 (the two 3 x 3 convs) in recomputed tiles. In the ring next to a skipped tile the change stays
    pending: it is compared and counted again after the next edit, never silently forgotten."""
    x_in, seen = state.base.x_in[i], state.seen[i]
    rh, rw = x_in.shape[2:]
    tr = rects.bounding(dirty)
    r = (tr[0] * t, min(tr[1] * t, rh), tr[2] * t, min(tr[3] * t, rw))
    inside = dirty.repeat_interleave(t, 0).repeat_interleave(t, 1)[:rh, :rw].float()
    # erosion by 2; max_pool's padding never wins, so the image border counts as inside
    reached = -F.max_pool2d(-inside[None, None], 5, 1, 2)[0, 0] > 0
    seen_r = rects.crop(seen, r)
    seen_r.copy_(torch.where(reached[r[0]:r[1], r[2]:r[3]], rects.crop(x_in, r), seen_r))


def _dirty_tiles(state, i, cond, t, tolerance):
    """Tiles to recompute (bool grid) and the relative energy of the input changes left pending."""
    x_in, seen, pending = state.base.x_in[i], state.seen[i], state.pending[i]
    rh, rw = x_in.shape[2:]
    cond_tiles = F.max_pool2d(cond[None, None].float(), t + 8, t, 4, ceil_mode=True)[0, 0] > 0
    if not bool(pending.any()):
        return cond_tiles, 0.0
    tr = rects.bounding(pending)
    r = (tr[0] * t, min(tr[1] * t, rh), tr[2] * t, min(tr[3] * t, rw))
    energy = torch.zeros(rh, rw, device=x_in.device)
    energy[r[0]:r[1], r[2]:r[3]] = (rects.crop(x_in, r) - rects.crop(seen, r)).pow(2).sum(1)[0]
    significant = (energy > tolerance * tolerance * state.rms2[i]).float()
    sig_tiles = F.max_pool2d(significant[None, None], t + 4, t, 2, ceil_mode=True)[0, 0] > 0
    dirty = sig_tiles | cond_tiles
    tile_energy = F.avg_pool2d(energy[None, None], t, t, ceil_mode=True, divisor_override=1)[0, 0]
    left = float(tile_energy[pending & ~dirty].sum()) / (state.rms2[i] * rh * rw)
    pending &= tile_energy > 0  # tiles whose input equals what they were computed from
    return dirty, left


def _block_on_tiles(gen, blk, x_in, tokens_r, noise_vecs, tiles, t):
    """The block's output on each tile: 1 x C x n x t x t."""
    n = len(tiles)
    size_x, size_tok = t + 4, t + 8
    x_st = _stack_crops(x_in, tiles, t, 2, 0.0)
    tok_st = _stack_crops(tokens_r, tiles, t, 4, OUT)
    plan = WindowPlan(tok_st, gen.cfg.semantic_nc, noise_vecs.shape[0])
    rows = (torch.arange(n, device=x_in.device)[:, None] * size_tok
            + torch.arange(size_x, device=x_in.device)[None]).reshape(-1)
    plan.keep_rows(rows)  # plan positions now line up with x_st (crop k: rows k*size_x ...)
    group = blk["group"]
    act = group.activations(plan, noise_vecs)
    ws = gen.workspace
    ph, pw = plan.shape
    ab_buf = ws.get("ab", ph * pw * 2 * max(layer["nc"] for layer in group.layers))
    h_buf = ws.get("h", ph * pw * x_in.shape[1])
    if blk["conv_s"] is None:
        xs = x_st
    else:
        xs = _pointwise_conv(_modulate(x_st, group.modulation(plan, act, 2, ab_buf), h_buf, slope=None), blk["conv_s"])
    h0 = _modulate(x_st, group.modulation(plan, act, 0, ab_buf), h_buf)
    dx0 = blk["conv_0"](h0)
    h1 = _modulate(dx0, group.modulation(plan, act, 1, ab_buf), h_buf)
    out = blk["conv_1"](h1).add_(xs)  # rows of neighbouring crops mix only in each crop's 2-pixel ring
    c = out.shape[1]
    return out.view(1, c, n, size_x, size_x)[:, :, :, 2:2 + t, 2:2 + t]


def _update_image(gen, base, tiles, t):
    """Image pixels within 1 of a changed tile of the last feature map."""
    h, w = base.image.shape[2:]
    src = F.leaky_relu(_stack_crops(base.out_last, tiles, t, 2, 0.0), LRELU)
    img = torch.tanh(gen.conv_img(src))
    size = t + 4
    for n, (ty, tx) in enumerate(tiles):
        y0, x0 = ty * t - 1, tx * t - 1
        ya, yb, xa, xb = max(y0, 0), min(y0 + t + 2, h), max(x0, 0), min(x0 + t + 2, w)
        base.image[:, :, ya:yb, xa:xb] = img[:, :, n * size + 1 + ya - y0:n * size + 1 + yb - y0,
                                             1 + xa - x0:1 + xb - x0]
