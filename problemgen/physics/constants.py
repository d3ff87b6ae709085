"""Physical constants (CODATA 2018, SI 2019) and temperature helpers.

Exact constants are the SI 2019 defining values; R and F are *computed* from them
(R = N_A k_B, F = N_A e) so they are exact to double precision and never rounded literals.
Source: CODATA 2018, NIST SP 961 (May 2019); E. Tiesinga et al., Rev. Mod. Phys. 93, 025010 (2021).
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Elementary charge, C (exact since SI 2019).
e: float = 1.602176634e-19
#: Boltzmann constant, J/K (exact since SI 2019).
k_B: float = 1.380649e-23
#: Avogadro constant, 1/mol (exact since SI 2019).
N_A: float = 6.02214076e23
#: Molar gas constant, J/(mol K) (derived: N_A k_B = 8.31446261815324).
R: float = N_A * k_B
#: Faraday constant, C/mol (derived: N_A e = 96485.3321233100).
F: float = N_A * e
#: Vacuum permittivity, F/m (CODATA 2018, measured: 8.8541878128(13)e-12).
eps0: float = 8.8541878128e-12

#: Offset between the Celsius and kelvin scales (exact; never 273 or 273.16).
ZERO_CELSIUS: float = 273.15

# Malmberg & Maryott (1956), J. Res. NBS 56, 1: eps_r(t) for water, t in degrees Celsius,
# valid 0-100 degC.
_MALMBERG_MARYOTT = (87.740, -0.40008, 9.398e-4, -1.410e-6)


def kelvin(t_celsius: Any) -> Any:
    """Convert a Celsius temperature to kelvin (T = t + 273.15); broadcasts over arrays."""
    return np.add(t_celsius, ZERO_CELSIUS)


def water_permittivity(T: Any) -> Any:
    """Relative permittivity of water at absolute temperature ``T`` (K), Malmberg–Maryott.

    Returns 78.30 at 298.15 K and 74.15 at 310.15 K. The fit is valid from 273.15 to 373.15 K;
    outside it a :class:`~problemgen.errors.PhysicsInputError` is raised.
    """
    from problemgen.physics._checks import check_range

    T = check_range("water_permittivity", "T", T, 273.15, 373.15, "K")
    t = T - ZERO_CELSIUS
    a0, a1, a2, a3 = _MALMBERG_MARYOTT
    return _scalar(a0 + t * (a1 + t * (a2 + t * a3)))


def _scalar(value: Any) -> Any:
    """Return a Python float for 0-d results and the array otherwise."""
    array = np.asarray(value)
    return float(array) if array.ndim == 0 else array
