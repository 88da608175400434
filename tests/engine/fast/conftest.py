"""One torch thread in these tests: the 2 cores are shared, and OpenMP threads spinning against other
jobs make small models tens of times slower (no test here measures speed)."""

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _single_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
