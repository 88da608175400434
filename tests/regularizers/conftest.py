import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)
    yield


from ..training.conftest import synthetic_data  # noqa: E402,F401  (the tiny OASIS dataset)
