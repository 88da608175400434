"""A tiny synthetic photo + label-map dataset for trainer tests (drawn here, seconds to train on)."""

import pytest

from tests.reliability.synthetic import write_dataset


@pytest.fixture(scope="session")
def synthetic_data(tmp_path_factory):
    """Horizontal bands (sky / water / grass, random borders) with a sliver of unknown pixels."""
    return write_dataset(tmp_path_factory.mktemp("synthetic"))
