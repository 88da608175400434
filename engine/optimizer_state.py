"""Optimizer state as flat tensors (for safetensors checkpoints) and back; shared by both trainers.

Nothing is pickled: per-parameter tensors go into the tensor dict under `<prefix>.<param id>.<name>`,
and the param groups (plain numbers) into the JSON state.
"""

from __future__ import annotations

import torch


def optimizer_to_flat(prefix: str, opt: torch.optim.Optimizer, tensors: dict) -> dict:
    sd = opt.state_dict()
    for pid, state in sd["state"].items():
        for name, value in state.items():
            tensors[f"{prefix}.{pid}.{name}"] = torch.as_tensor(value).detach().clone().contiguous()
    return {"param_groups": sd["param_groups"]}


def optimizer_from_flat(prefix: str, opt: torch.optim.Optimizer, meta: dict, tensors: dict) -> None:
    state: dict = {}
    for key, value in tensors.items():
        if key.startswith(prefix + "."):
            _, pid, name = key.split(".", 2)
            state.setdefault(int(pid), {})[name] = value
    groups = []
    for g in meta["param_groups"]:
        g = dict(g)
        if "betas" in g:
            g["betas"] = tuple(g["betas"])  # JSON gave a list
        groups.append(g)
    opt.load_state_dict({"state": state, "param_groups": groups})
    # Moments must have their parameter's memory layout (e.g. channels_last): the fused Adam
    # kernel walks raw memory, so a contiguous moment for a channels_last weight would pair
    # the wrong elements and silently corrupt training after a resume.
    for param, param_state in opt.state.items():
        for name, value in param_state.items():
            if torch.is_tensor(value) and value.shape == param.shape:
                param_state[name] = torch.empty_like(param).copy_(value)
