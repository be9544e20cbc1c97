"""karras / exponential / simple against their closed forms (spec comfy-semantics C.2), evaluated here by hand in
float64 from the SD1.5 noise table (B.1), and against the spec's printed SD1.5 values (C.3). Independent of
graphrun's scheduler code and of any recorded data."""

from __future__ import annotations

import math

import pytest

from graphrun.sampling.ksampler import calculate_sigmas
from graphrun.sampling.model_sampling import ModelSamplingDiscrete


def sd15_table() -> list[float]:
    """sigma_t = sqrt((1 - abar_t) / abar_t), betas = linspace(sqrt(0.00085), sqrt(0.012), 1000)^2 (B.1)."""
    lo, hi = math.sqrt(0.00085), math.sqrt(0.012)
    abar, out = 1.0, []
    for t in range(1000):
        abar *= 1.0 - (lo + t * (hi - lo) / 999) ** 2
        out.append(math.sqrt((1.0 - abar) / abar))
    return out


TABLE = sd15_table()
SMIN, SMAX = TABLE[0], TABLE[-1]


def karras(n: int, k: int) -> float:
    a, b = SMAX ** (1 / 7), SMIN ** (1 / 7)
    return (a + k / (n - 1) * (b - a)) ** 7


def exponential(n: int, k: int) -> float:
    return math.exp(math.log(SMAX) + k / (n - 1) * (math.log(SMIN) - math.log(SMAX)))


def simple(n: int, k: int) -> float:
    return TABLE[999 - int(k * (1000 / n))]


FORMS = {"karras": karras, "exponential": exponential, "simple": simple}
# spec C.3, first values of the 20-step lists (6 significant digits)
PRINTED = {
    "karras": [14.6146, 11.7254, 9.3402, 7.38362, 5.78941, 4.49983, 3.46475, 2.64084, 1.99092, 1.48321, 1.09079],
    "exponential": [14.6146, 10.5363, 7.59607, 5.47632, 3.94811, 2.84636, 2.05206, 1.47942, 1.06657, 0.768937],
    "simple": [14.6146, 10.9042, 8.3028, 6.44296, 5.08776, 4.08173, 3.32108, 2.73547, 2.27646, 1.91025],
}


def test_hand_table_endpoints_match_the_spec():
    assert SMAX == pytest.approx(14.6146, rel=1e-5) and SMIN == pytest.approx(0.0291672, rel=1e-5)


@pytest.mark.parametrize("name", sorted(FORMS))
@pytest.mark.parametrize("n", [2, 3, 7, 20, 33])
def test_scheduler_equals_its_closed_form(name, n):
    got = calculate_sigmas(ModelSamplingDiscrete(), name, "euler", n).tolist()
    assert len(got) == n + 1 and got[-1] == 0.0
    for k in range(n):
        assert got[k] == pytest.approx(FORMS[name](n, k), rel=2e-6), (name, n, k)


@pytest.mark.parametrize("name", sorted(PRINTED))
def test_scheduler_equals_the_printed_values(name):
    got = calculate_sigmas(ModelSamplingDiscrete(), name, "euler", 20).tolist()
    for k, want in enumerate(PRINTED[name]):
        assert got[k] == pytest.approx(want, rel=5e-6, abs=1e-6), (name, k)
        assert FORMS[name](20, k) == pytest.approx(want, rel=5e-6, abs=1e-6), (name, k)
