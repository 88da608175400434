"""The fast OASIS generator: window-table SPADE, channels-last trunk, exact incremental regeneration.

Every layer's activations of the last request are kept (`GeneratorState`). Given the pixels whose
condition changed, each residual block recomputes only a rectangle: the change at its resolution
widened by the SPADE halo (2), plus the block input's own dirty rectangle, widened by 1 per 3x3 conv;
nearest upsampling doubles it (bilinear doubles it and widens it by 1, reading the block output kept
around it). Convolutions are local and everything else is pointwise (BatchNorm uses
running statistics), so values outside the rectangles are unchanged and the result equals a full pass.
Caveat that is inherent to the network, not to this code: the first feature map is H/32 x W/32 and its
receptive field covers the whole image, so an edit that changes a pixel on the 32-pixel sampling grid
changes every output pixel; the rectangles then grow to the whole map and the pass costs a full one
(minus the SPADE windows that did not change, which are cheap anyway).
"""

from __future__ import annotations

import threading

import torch
import torch.nn.functional as F

from ..config import SIZE_MULTIPLE
from ..oasis_generator import LRELU, OasisGenerator, SPADEResBlock, upsample_x2
from . import rects
from .modulation import OUT, SpadeGroup, WindowPlan, noise_ids
from .winograd import Conv


def _conv_over(conv, inp: torch.Tensor, inp_rect, out_rect) -> torch.Tensor:
    """A padded conv evaluated on a crop `inp_rect` (= out_rect widened by k//2, clipped), cut to out_rect.

    Zero padding is right where the crop touches the image border; elsewhere the crop's outer ring of
    outputs has incomplete support and is cut away.
    """
    out = conv(inp)
    r = rects.relative(out_rect, inp_rect)
    return out[:, :, r[0]:r[1], r[2]:r[3]]


AB_CHUNK = 1 << 20  # elements of per-pixel A|B gathered at once (4 MB: cache-sized, and no 64 MB map)


def _modulate(x: torch.Tensor, table: torch.Tensor, ids: torch.Tensor, ws: Workspace,
              slope: float | None = LRELU) -> torch.Tensor:
    """x * A + B (SPADE with its BatchNorm folded), then leaky ReLU unless slope is None.

    A|B of pixel p is row ids[p] of `table`; they are gathered a band of rows at a time into a small
    reused buffer and consumed at once, never materialised for the whole map. The result goes to the
    workspace's 'h' buffer (reused: a fresh map of this size costs page faults) as a channels-last
    1 x C x H x W view.
    """
    n, nc, h, w = x.shape
    out = ws.get("h", n * h * w * nc)[:n * h * w * nc].view(n, h, w, nc).permute(0, 3, 1, 2)
    rows = max(1, AB_CHUNK // (w * 2 * nc))
    ab_buf = ws.get("ab", min(h, rows) * w * 2 * nc)
    for r0 in range(0, h, rows):
        r1 = min(h, r0 + rows)
        idx = ids[r0:r1].reshape(-1)
        ab = torch.index_select(table, 0, idx, out=ab_buf[:idx.numel() * 2 * nc].view(-1, 2 * nc))
        ab = ab.view(1, r1 - r0, w, 2 * nc).permute(0, 3, 1, 2)
        band = out[:, :, r0:r1]
        torch.addcmul(ab[:, nc:], x[:, :, r0:r1], ab[:, :nc], out=band)
        if slope is not None:
            F.leaky_relu_(band, slope)
    return out


class Workspace:
    """Flat float32 buffers reused between layers and calls, grown on demand (one per name)."""

    def __init__(self, device):
        self.device = device
        self.buffers: dict[str, torch.Tensor] = {}

    def get(self, name: str, numel: int) -> torch.Tensor:
        buf = self.buffers.get(name)
        if buf is None or buf.numel() < numel:
            self.buffers.pop(name, None)  # free the old one first: lower peak
            buf = self.buffers[name] = torch.empty(numel, dtype=torch.float32, device=self.device)
        return buf


def _upsample_into(dst: torch.Tensor, src: torch.Tensor) -> None:
    """dst = nearest x2 upsampling of src, in one strided copy (no upsampled temporary)."""
    n, c, h, w = src.shape
    dst.view(n, c, h, 2, w, 2).copy_(src[:, :, :, None, :, None].expand(n, c, h, 2, w, 2))


def _pointwise_conv(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """A 1x1 conv without bias on a channels-last tensor as one matrix product (faster than the conv)."""
    n, c, h, w = x.shape
    rows = x.permute(0, 2, 3, 1).reshape(n * h * w, c).to(weight.dtype)
    return (rows @ weight).float().reshape(n, h, w, -1).permute(0, 3, 1, 2)


class GeneratorState:
    """Activations of the last request: block inputs, conv_0 outputs, last block output, image, and
    for bilinear upsampling the other blocks' outputs too (an edit's upsampled rectangle reads a ring of
    unchanged values around it).

    Kept in float32 whatever the convolutions run in: in bf16/fp16 modes only the convolution inputs
    and weights are rounded, the residual sums and the modulation stay float32 (bf16 everywhere
    exceeded the 1% error bound on the public fixture).
    """

    def __init__(self, cfg, height: int, width: int, device, dtype=torch.float32):
        self.size = (height, width)
        w = cfg.widths
        h0, w0 = height // SIZE_MULTIPLE, width // SIZE_MULTIPLE
        cl = torch.channels_last
        self.x_in, self.dx0, self.out_block = [], [], []
        for i in range(len(w) - 1):
            shape = (h0 << i, w0 << i)
            self.x_in.append(torch.empty(1, w[i], *shape, dtype=dtype, device=device, memory_format=cl).zero_())
            self.dx0.append(torch.empty(1, min(w[i], w[i + 1]), *shape, dtype=dtype, device=device,
                                        memory_format=cl).zero_())
            if cfg.upsample != "nearest" and i < len(w) - 2:
                self.out_block.append(torch.empty(1, w[i + 1], *shape, dtype=dtype, device=device,
                                                  memory_format=cl).zero_())
        self.out_last = torch.empty(1, w[-1], height, width, dtype=dtype, device=device, memory_format=cl).zero_()
        self.image = torch.zeros(1, 3, height, width, dtype=torch.float32, device=device)
        self.valid = False


class FastGenerator:
    """Inference-only re-layout of an OasisGenerator for one device and compute dtype.

    winograd=True (fast modes only: ~3e-6 relative) lets 3x3 convs on small maps use Winograd or one
    matrix product (winograd.Conv picks by map size and kernel size).
    """

    def __init__(self, generator: OasisGenerator, device: torch.device, dtype: torch.dtype = torch.float32,
                 winograd: bool = False, shared: dict | None = None):
        self.cfg = cfg = generator.cfg
        self.device, self.dtype, self.winograd = device, dtype, winograd
        self.z = cfg.z_dim if cfg.noise_3d else 0
        self.instance_norm = cfg.param_free_norm == "instance"
        shared = {} if shared is None else shared  # weights laid out once per model, whatever the mode
        # one workspace for all fast generators (precisions) of a model, so one lock serialises them
        self.workspace = shared.setdefault(("workspace", str(device)), Workspace(device))
        self._run_lock = shared.setdefault(("run lock", str(device)), threading.Lock())
        fc_bias = generator.fc.bias
        assert fc_bias is not None  # OASIS's convolutions all have biases
        self.fc = (generator.fc.weight.detach().float().to(device), fc_bias.detach().float().to(device))
        # 3 outputs: cheap in float32, and it keeps the bf16 error down
        self.conv_img = Conv(generator.conv_img, torch.float32, device, shared=shared)
        self.blocks = []
        for blk in generator.body:
            assert isinstance(blk, SPADEResBlock)
            spades = [blk.norm_0, blk.norm_1] + ([blk.norm_s] if blk.learned_shortcut else [])
            key = ("spade group", id(blk), str(device))
            if key not in shared:
                shared[key] = SpadeGroup(spades, self.z, cfg.semantic_nc, self.instance_norm).to(device)
            self.blocks.append({
                "group": shared[key],
                "conv_0": Conv(blk.conv_0, dtype, device, winograd, shared),
                "conv_1": Conv(blk.conv_1, dtype, device, winograd, shared),
                "conv_s": (blk.conv_s.weight.detach()[:, :, 0, 0].T.to(device=device, dtype=dtype).contiguous()
                           if blk.learned_shortcut else None)})

    def new_state(self, height: int, width: int) -> GeneratorState:
        return GeneratorState(self.cfg, height, width, self.device)

    # -- inputs ----------------------------------------------------------------------------------
    def tokens(self, labels: torch.Tensor, noise: torch.Tensor | None):
        """Per-pixel token (label + N * noise id) and the distinct noise vectors."""
        h, w = labels.shape
        if self.z == 0:
            return labels, labels.new_zeros((1, 0), dtype=torch.float32)
        assert noise is not None, "a model with 3-D noise needs its noise input"
        ids, vecs = noise_ids(noise, h, w)
        return labels + self.cfg.semantic_nc * ids, vecs

    def _fc(self, labels, noise):
        """fc on the condition sampled at H/32 x W/32 (nearest), like the reference; small, always dense."""
        sub = labels[::SIZE_MULTIPLE, ::SIZE_MULTIPLE]
        onehot = torch.zeros(1, self.cfg.semantic_nc, *sub.shape, device=self.device)
        onehot.scatter_(1, sub[None, None], 1.0)
        if self.z:
            if noise.dim() == 1:
                z = noise[None, :, None, None].expand(1, -1, *sub.shape)
            else:
                z = noise[None, :, ::SIZE_MULTIPLE, ::SIZE_MULTIPLE]
            onehot = torch.cat((z.float(), onehot), 1)
        return F.conv2d(onehot, *self.fc, padding=1).contiguous(memory_format=torch.channels_last)

    # -- forward ---------------------------------------------------------------------------------
    @torch.inference_mode()
    def run(self, labels: torch.Tensor, noise: torch.Tensor | None, state: GeneratorState,
            changed: torch.Tensor | None = None) -> dict:
        """Update `state` for these inputs; `changed` (H x W bool) = pixels whose condition differs from
        the previous call on this state, or None for a full pass. Returns per-pass statistics."""
        with self._run_lock:
            return self._run(labels, noise, state, changed)

    def _run(self, labels, noise, state, changed):
        height, width = labels.shape
        full = changed is None or not state.valid
        if full and changed is not None:
            changed = None
        tokens, noise_vecs = self.tokens(labels, noise)
        computed = 0
        h0, w0 = height // SIZE_MULTIPLE, width // SIZE_MULTIPLE
        dirty: rects.Rect | None
        if full:
            dirty = rects.full(h0, w0)
        else:
            dirty = rects.expand(rects.bounding(changed[::SIZE_MULTIPLE, ::SIZE_MULTIPLE]), 1, h0, w0)
        if dirty is not None:
            state.x_in[0].copy_(self._fc(labels, noise))  # 1/1024 of the pixels: cheaper to redo whole
        last = len(self.blocks) - 1
        for i, blk in enumerate(self.blocks):
            rh, rw = h0 << i, w0 << i
            stride = SIZE_MULTIPLE >> i
            cond_dirty: rects.Rect | None
            if full:
                cond_dirty = rects.full(rh, rw)
            else:
                cond_dirty = rects.expand(rects.bounding(changed[::stride, ::stride]), 2, rh, rw)
            base = rects.union(dirty, cond_dirty)
            if base is None:
                dirty = None
                continue
            computed += rects.area(base) * stride * stride
            tokens_r = F.pad(tokens[::stride, ::stride], (2, 2, 2, 2), value=OUT)
            out, dirty = self._block(blk, state.x_in[i], state.dx0[i], base, tokens_r, noise_vecs, (rh, rw))
            if i < last:
                dirty = self._upsample(state, i, out, dirty, (rh, rw))
            else:
                rects.crop(state.out_last, dirty).copy_(out)
        if dirty is not None:
            img_rect = rects.expand(dirty, 1, height, width)
            src_rect = rects.expand(dirty, 2, height, width)
            x = F.leaky_relu(rects.crop(state.out_last, src_rect), LRELU)
            img = torch.tanh(_conv_over(self.conv_img, x, src_rect, img_rect))
            rects.crop(state.image, img_rect).copy_(img)
        state.valid = True
        # share of the per-block pixel work a full pass does (1.0 = full pass)
        return {"computed_fraction": computed / (height * width * len(self.blocks))}

    def _upsample(self, state, i, out, dirty, shape):
        """Write the upsampled block output into the next block's input; returns the rectangle written."""
        if self.cfg.upsample == "nearest":
            dirty = rects.scale(dirty, 2)
            _upsample_into(rects.crop(state.x_in[i + 1], dirty), out)
            return dirty
        rh, rw = shape
        rects.crop(state.out_block[i], dirty).copy_(out)
        # an output pixel reads its two nearest inputs per axis: a change in [a, b) reaches [2a-1, 2b+1),
        # computed from the inputs [a-1, b+1); the crop's clamped outer ring is cut away (except where
        # it is the image border, where clamping is what the reference does)
        src = rects.expand(dirty, 1, rh, rw)
        dst = rects.expand(rects.scale(dirty, 2), 1, 2 * rh, 2 * rw)
        up = upsample_x2(rects.crop(state.out_block[i], src), self.cfg.upsample)
        r = rects.relative(dst, rects.scale(src, 2))
        rects.crop(state.x_in[i + 1], dst).copy_(up[:, :, r[0]:r[1], r[2]:r[3]])
        return dst

    def _block(self, blk, x_in, dx0, base, tokens_r, noise_vecs, shape):
        rh, rw = shape
        e0 = rects.expand(base, 1, rh, rw)
        e1 = rects.expand(base, 2, rh, rw)
        q = rects.expand(base, 3, rh, rw)
        plan = WindowPlan(tokens_r[q[0]:q[1] + 4, q[2]:q[3] + 4], self.cfg.semantic_nc, noise_vecs.shape[0])
        group = blk["group"]
        act = group.activations(plan, noise_vecs)
        x_src = F.instance_norm(x_in) if self.instance_norm else x_in
        inner = rects.relative(e1, q)
        ws = self.workspace
        ids = plan.ids2
        ids_e1 = ids[inner[0]:inner[1], inner[2]:inner[3]]
        if blk["conv_s"] is None:
            xs = rects.crop(x_in, e1)
        else:
            hs = _modulate(rects.crop(x_src, e1), group.ab_table(plan, act, 2), ids_e1, ws, slope=None)
            xs = _pointwise_conv(hs, blk["conv_s"])
        h0 = _modulate(rects.crop(x_src, e1), group.ab_table(plan, act, 0), ids_e1, ws)
        rects.crop(dx0, e0).copy_(_conv_over(blk["conv_0"], h0, e1, e0))
        d_src = F.instance_norm(dx0) if self.instance_norm else dx0
        h1 = _modulate(rects.crop(d_src, q), group.ab_table(plan, act, 1), ids, ws)
        dx1 = _conv_over(blk["conv_1"], h1, q, e1)
        return dx1.add_(xs), e1
