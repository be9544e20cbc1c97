from __future__ import annotations

import pytest

from tests.transforms.reference_sigmas import ReferenceOracle


@pytest.fixture(scope="session")
def oracle():
    """The runner's own sigma lists (graphrun.sampling.ksampler), cached."""
    from graphrun.transforms.sampler_variants import default_oracle

    return default_oracle()


@pytest.fixture(scope="session")
def ref():
    """The independent re-derivation of the spec (tests/transforms/reference_sigmas.py)."""
    return ReferenceOracle()
