from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def oracle():
    """The runner's own sigma lists (graphrun.sampling.ksampler), cached."""
    from graphrun.transforms.sampler_variants import default_oracle

    return default_oracle()
