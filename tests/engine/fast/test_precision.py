"""One decision for what a precision name means: both branches of 'auto', the override, bad names."""

import pytest
import torch

from engine.errors import InputError
from engine.precision import FORCE_AMX_ENV, PRECISIONS, compute_dtype, cpu_has_amx


def test_auto_follows_the_cpu_probe_and_its_override(monkeypatch):
    cpu = torch.device("cpu")
    monkeypatch.setenv(FORCE_AMX_ENV, "1")
    assert cpu_has_amx() and compute_dtype("auto", cpu) == torch.bfloat16
    monkeypatch.setenv(FORCE_AMX_ENV, "0")
    assert not cpu_has_amx() and compute_dtype("auto", cpu) == torch.float32
    assert compute_dtype("auto", torch.device("cuda")) == torch.float16  # no CUDA needed to decide
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16), ("fp16", torch.float16)):
        assert compute_dtype(name, cpu) == dtype


def test_unset_override_probes_this_cpu(monkeypatch):
    monkeypatch.delenv(FORCE_AMX_ENV, raising=False)
    with open("/proc/cpuinfo") as f:
        flags = next((line.split() for line in f if line.startswith("flags")), None)
    if flags is None:
        pytest.skip("no /proc/cpuinfo flags line on this system")
    assert cpu_has_amx() == ("amx_bf16" in flags)


def test_bad_override_and_bad_names_are_refused(monkeypatch):
    monkeypatch.setenv(FORCE_AMX_ENV, "yes")
    with pytest.raises(InputError, match=FORCE_AMX_ENV):
        cpu_has_amx()
    monkeypatch.delenv(FORCE_AMX_ENV)
    with pytest.raises(InputError, match="fp8"):
        compute_dtype("fp8", torch.device("cpu"))


def test_the_clis_offer_the_engine_names():
    from engine.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a.choices, dict) and "generate" in a.choices).choices
    for command in ("generate", "segment", "bench-generate"):
        options = {a.dest: a for a in commands[command]._actions}
        assert tuple(options["precision"].choices) == PRECISIONS
