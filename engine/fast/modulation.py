"""SPADE modulation computed once per distinct 5 x 5 condition patch instead of once per pixel.

At a pixel, gamma and beta of a SPADE layer are a function of the condition (noise vector + label) in
the 5 x 5 window around it and nothing else: mlp_shared sees 3 x 3 condition pixels, mlp_gamma/beta see
3 x 3 of those activations. Label maps are made of regions and the noise is global or piecewise
constant, so a 256 x 256 map has only a few thousand distinct windows. We number the distinct windows
(exactly: every window is identified by the tokens in it, nothing is hashed lossily), evaluate the
branch once per window as small matrix products, and gather the result back per pixel. With iid
per-pixel noise every window is distinct and the cost falls back to that of the convolutions.

The one-hot half of mlp_shared is a lookup: a 3 x 3 conv of a one-hot map is the sum of nine weight
columns. Everything runs in float32; only summation order differs from the convolutions (~1e-6).
BatchNorm (running statistics) is folded into the result: out = x * A + B with
A = scale * (1 + gamma), B = shift * (1 + gamma) + beta.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

OUT = -1  # token of a position outside the image (zero padding of the convolutions)
_CHUNK = 8192  # rows per matrix product, bounds the temporary im2col-like buffers


def noise_ids(noise: torch.Tensor, height: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Number the distinct noise vectors: ids (H x W int64) and vectors (n x z float32).

    `noise` is (z,) for a global z or (z, H, W). Vectors are compared by their exact bits.
    """
    if noise.dim() == 1:
        return torch.zeros(height, width, dtype=torch.int64, device=noise.device), noise[None].float()
    z = noise.shape[0]
    flat = noise.reshape(z, -1)
    if bool((flat == flat[:, :1]).all()):
        return torch.zeros(height, width, dtype=torch.int64, device=noise.device), flat[:, 0][None].float()
    # 64-bit multiplicative hash of the bit patterns (int64 products wrap), then an exact check
    bits = flat.contiguous().view(torch.int32).to(torch.int64)
    gen = torch.Generator().manual_seed(12345)
    mult = (torch.randint(1, 2**62, (z, 1), generator=gen, dtype=torch.int64) | 1).to(noise.device)
    key = (bits * mult).sum(0)
    _, inv = torch.unique(key, return_inverse=True)
    rep = torch.empty(int(inv.max()) + 1, dtype=torch.int64, device=noise.device)
    rep.scatter_(0, inv, torch.arange(inv.numel(), device=noise.device))
    vecs = flat[:, rep].T.contiguous()
    if not bool((vecs[inv].T == flat).all()):  # a hash collision: number them the slow exact way
        vecs, inv = torch.unique(flat.T, dim=0, return_inverse=True)
    return inv.reshape(height, width), vecs.float()


def _pair(a: torch.Tensor, b: torch.Tensor):
    """Number the distinct (a, b) pairs of two equally shaped non-negative int maps, in ascending key
    order (what torch.unique gives). When the key range is small a presence table + cumulative sum
    replaces the sort (several times faster on the 256 x 256 maps; same numbering)."""
    base = int(b.max()) + 1
    key = a * base + b
    key_range = (int(a.max()) + 1) * base
    if key_range <= max(4 * key.numel(), 1 << 16):
        present = torch.zeros(key_range, dtype=torch.bool, device=key.device)
        present[key.reshape(-1)] = True
        uniq = present.nonzero()[:, 0]
        number = torch.cumsum(present, 0) - 1
        inv = number[key]
    else:
        uniq, inv = torch.unique(key, return_inverse=True)
    return inv, uniq // base, uniq % base


def unique_windows(m: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Number the distinct 3 x 3 windows of a non-negative int map (h+2 x w+2).

    Returns ids (h x w) and for each id its window contents (K x 9, row-major = conv tap order).
    Rows of three are numbered first, then columns of three row numbers.
    """
    ab, ua, ub = _pair(m[:, :-2], m[:, 1:-1])
    row, uab, uc = _pair(ab, m[:, 2:])
    row_content = torch.stack((ua[uab], ub[uab], uc), 1)
    tm, ut, um = _pair(row[:-2], row[1:-1])
    ids, utm, ubot = _pair(tm, row[2:])
    window_rows = torch.stack((ut[utm], um[utm], ubot), 1)
    return ids, row_content[window_rows].reshape(-1, 9)


class WindowPlan:
    """The distinct condition windows of one crop at one resolution (shared by all SPADE layers there).

    tokens_padded: (h+4) x (w+4) int64 tokens (label + N * noise_id, OUT outside the image).
    """

    def __init__(self, tokens_padded: torch.Tensor, num_classes: int, num_noise: int):
        ids1, win1 = unique_windows(tokens_padded - OUT)  # shift so OUT becomes 0
        tok = win1 - 1
        outside = tok < 0
        self.labels1 = torch.where(outside, num_classes, tok % num_classes)  # row N of the tables is zero
        self.noise1 = torch.where(outside, num_noise, tok // num_classes)
        self.inside1 = ~outside[:, 4]  # activations of positions outside the image are zero padding
        self.ids2, self.win2 = unique_windows(ids1)
        self.shape = (tokens_padded.shape[0] - 4, tokens_padded.shape[1] - 4)

    @property
    def num_windows(self) -> int:
        return self.win2.shape[0]


class SpadeGroup:
    """The SPADE layers of one residual block (same resolution), weights laid out for window tables."""

    def __init__(self, spades, z_dim: int, num_classes: int, instance_norm: bool):
        self.z = z_dim
        self.n = num_classes
        self.instance_norm = instance_norm
        ws = torch.cat([s.mlp_shared.weight.detach().float() for s in spades], 0)  # (H*L, z+N, 3, 3)
        hidden_all = ws.shape[0]
        self.hidden = spades[0].mlp_shared.weight.shape[0]
        taps = ws.permute(2, 3, 1, 0).reshape(9, z_dim + num_classes, hidden_all)
        self.label_tab = torch.cat((taps[:, z_dim:], taps.new_zeros(9, 1, hidden_all)), 1).contiguous()
        self.noise_mat = taps[:, :z_dim].reshape(9 * z_dim, hidden_all).contiguous()
        self.shared_bias = torch.cat([s.mlp_shared.bias.detach().float() for s in spades])
        self.layers = []
        for s in spades:
            nc = s.mlp_gamma.weight.shape[0]
            if instance_norm:
                scale, shift = torch.ones(nc, dtype=torch.float64), torch.zeros(nc, dtype=torch.float64)
            else:
                scale, shift = s.first_norm.scale.detach().double(), s.first_norm.shift.detach().double()
            # BatchNorm folded into the branch's last convolution (exact algebra, done in float64):
            # A = scale * (1 + gamma), B = shift * (1 + gamma) + beta are both affine in the activations
            wg, bg = s.mlp_gamma.weight.detach().double(), s.mlp_gamma.bias.detach().double()
            wb, bb = s.mlp_beta.weight.detach().double(), s.mlp_beta.bias.detach().double()
            w_a = wg * scale[:, None, None, None]
            w_b = wb + wg * shift[:, None, None, None]
            weight = torch.cat((w_a, w_b), 0)  # (2nc, hidden, 3, 3)
            bias = torch.cat((scale * (1 + bg), bb + shift * (1 + bg)))
            self.layers.append({
                "ab_mat": weight.permute(2, 3, 1, 0).reshape(9 * self.hidden, 2 * nc).float().contiguous(),
                "ab_bias": bias.float(), "nc": nc})

    def to(self, device):
        for name in ("label_tab", "noise_mat", "shared_bias"):
            setattr(self, name, getattr(self, name).to(device))
        for layer in self.layers:
            for k, v in layer.items():
                if torch.is_tensor(v):
                    layer[k] = v.to(device)
        return self

    def _activations(self, plan: WindowPlan, noise_vecs: torch.Tensor) -> torch.Tensor:
        """relu(mlp_shared) of every layer for each distinct 3 x 3 window: K1 x (H*L), zero outside."""
        k1 = plan.labels1.shape[0]
        act = self.shared_bias.expand(k1, -1).clone()
        for tap in range(9):
            act += self.label_tab[tap].index_select(0, plan.labels1[:, tap])
        if self.z:
            padded = torch.cat((noise_vecs, noise_vecs.new_zeros(1, self.z)))
            for s in range(0, k1, _CHUNK):
                patch = padded.index_select(0, plan.noise1[s:s + _CHUNK].reshape(-1)).reshape(-1, 9 * self.z)
                act[s:s + _CHUNK] += patch @ self.noise_mat
        act.relu_()
        act *= plan.inside1[:, None]
        return act

    def _table_by_windows(self, layer_act, win2, layer) -> torch.Tensor:
        """gamma|beta per distinct 5 x 5 window: its 3 x 3 activations (K2 x 9*hidden) @ weights."""
        table = torch.empty(win2.shape[0], layer["ab_mat"].shape[1], device=layer_act.device)
        for s in range(0, win2.shape[0], _CHUNK):
            win = win2[s:s + _CHUNK]
            patch = layer_act.index_select(0, win.reshape(-1)).reshape(win.shape[0], 9 * self.hidden)
            torch.addmm(layer["ab_bias"], patch, layer["ab_mat"], out=table[s:s + _CHUNK])
        return table

    def _table_by_taps(self, layer_act, win2, layer) -> torch.Tensor:
        """Same result when there are fewer distinct 3 x 3 windows than 5 x 5 ones: each tap's product
        is computed once per activation (K1 x 9 x 2nc), then the nine taps are gathered and summed."""
        k1, two_nc = layer_act.shape[0], layer["ab_mat"].shape[1]
        weights = layer["ab_mat"].view(9, self.hidden, two_nc)  # per tap, a view: no weight copy per call
        per_tap = torch.empty(9, k1, two_nc, device=layer_act.device)
        for tap in range(9):
            torch.mm(layer_act, weights[tap], out=per_tap[tap])
        # gather-and-sum of the nine taps in one fused op (2x faster than nine gathers and adds)
        rows = win2 + torch.arange(9, device=win2.device) * k1
        return F.embedding_bag(rows, per_tap.view(9 * k1, two_nc), mode="sum").add_(layer["ab_bias"])

    def activations(self, plan: WindowPlan, noise_vecs: torch.Tensor) -> torch.Tensor:
        return self._activations(plan, noise_vecs)

    def ab_table(self, plan: WindowPlan, act: torch.Tensor, index: int) -> torch.Tensor:
        """Layer `index`: A (first nc columns) and B (last nc) per distinct 5 x 5 window (K2 x 2nc);
        pixel p uses row plan.ids2[p]."""
        layer = self.layers[index]
        layer_act = act[:, index * self.hidden:(index + 1) * self.hidden]
        # Per-tap products do K1/K2 of the multiply-adds but then gather and sum nine K2 x 2nc tables:
        # they pay when K2 >= 2 K1 (measured with the fused gather-sum: 1.5x slower at K2 = 1.6 K1 on
        # 32 x 32 maps, 1.5x faster at K2 = 2.5 K1 on 64 x 64, 2-3x faster at 128 x 128 and 256 x 256).
        if 2 * act.shape[0] <= plan.num_windows:
            return self._table_by_taps(layer_act, plan.win2, layer)
        return self._table_by_windows(layer_act, plan.win2, layer)
