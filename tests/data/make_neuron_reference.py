"""Regenerate ``neuron9_reference.json``: reference numbers from NEURON 9's ``nernst`` and ``ghk``.

Needs NEURON 9 in a separate, throwaway virtual environment; NEURON is **not** a dependency of
problemgen, and this script is **not** run by the tests (they only read the JSON it wrote)::

    python3 -m venv /tmp/neuron-venv
    /tmp/neuron-venv/bin/pip install neuron
    /tmp/neuron-venv/bin/python tests/data/make_neuron_reference.py

NEURON conventions (see shared reference/physics.md section 9):

- ``h.nernst(ci, co, z)``: **inside** concentration first (mM), uses the global ``h.celsius``
  (converted with +273.15), returns mV.
- ``h.ghk(v, ci, co, z)``: v in mV, concentrations in mM, uses ``h.celsius``; returns the GHK
  current divided by the permeability in mA/cm^2 per (cm/s), outward positive.
  In SI: I [A/m^2] = 1000 * P [m/s] * ghk.

Floats are written by ``json`` with ``repr``, i.e. the shortest string that round-trips to the
same double, so nothing is lost between NEURON and the tests.
"""

from __future__ import annotations

import datetime
import json
import platform
import sys
from pathlib import Path

from neuron import __version__ as neuron_version
from neuron import h

OUT = Path(__file__).with_name("neuron9_reference.json")

TEMPERATURES_C = (6.3, 20.0, 25.0, 37.0)

# (label, ci [mM], co [mM], z): physiological sets from physics.md sections 4, 7 and 8.
NERNST_IONS = (
    ("Na 15/150", 15.0, 150.0, 1),
    ("K 140/5", 140.0, 5.0, 1),
    ("Cl 10/110", 10.0, 110.0, -1),
    ("Ca 1e-4/2", 1e-4, 2.0, 2),
    ("X2- 10/1", 10.0, 1.0, -2),
)
# A few extra single cases (squid axon, Hille muscle, equal concentrations).
NERNST_EXTRA = (
    ("squid K 400/20", 400.0, 20.0, 1, 6.3),
    ("Hille muscle Cl 4.2/123", 4.2, 123.0, -1, 37.0),
    ("Hille muscle Ca 1e-4/1.5", 1e-4, 1.5, 2, 37.0),
    ("equal 10/10", 10.0, 10.0, 1, 25.0),
)

# (label, v [mV], ci [mM], co [mM], z, celsius)
GHK_CASES = (
    ("Na 15/150 at -65 mV", -65.0, 15.0, 150.0, 1, 37.0),
    ("K 140/5 at -65 mV", -65.0, 140.0, 5.0, 1, 37.0),
    ("Cl 10/110 at -65 mV", -65.0, 10.0, 110.0, -1, 37.0),
    ("Na 15/150 at 0 mV", 0.0, 15.0, 150.0, 1, 37.0),
    ("Cl 10/110 at 0 mV", 0.0, 10.0, 110.0, -1, 20.0),
    ("Ca 1e-4/2 at 0 mV", 0.0, 1e-4, 2.0, 2, 37.0),
    ("K 140/5 at +1e-6 mV", 1e-6, 140.0, 5.0, 1, 25.0),
    ("Na 15/150 at -1e-3 mV", -1e-3, 15.0, 150.0, 1, 6.3),
    ("Cl 10/110 at +1e-3 mV", 1e-3, 10.0, 110.0, -1, 37.0),
    ("K 140/5 at +0.01 mV", 0.01, 140.0, 5.0, 1, 37.0),
    ("Ca 1e-4/2 at -20 mV", -20.0, 1e-4, 2.0, 2, 37.0),
    ("Ca 1e-4/2 at +30 mV", 30.0, 1e-4, 2.0, 2, 6.3),
    ("Ca 1e-4/2 at -1e-4 mV", -1e-4, 1e-4, 2.0, 2, 25.0),
    ("X2- 10/1 at +40 mV", 40.0, 10.0, 1.0, -2, 20.0),
    ("Na 15/150 at +50 mV", 50.0, 15.0, 150.0, 1, 25.0),
    ("squid K 400/20 at -100 mV", -100.0, 400.0, 20.0, 1, 6.3),
    ("Ca 1e-4/2 at -150 mV", -150.0, 1e-4, 2.0, 2, 37.0),
)


def nernst_cases() -> list[dict[str, object]]:
    cases: list[tuple[str, float, float, int, float]] = [
        (f"{label} at {t:g} C", ci, co, z, t) for label, ci, co, z in NERNST_IONS for t in TEMPERATURES_C
    ]
    cases += [(f"{label} at {t:g} C", ci, co, z, t) for label, ci, co, z, t in NERNST_EXTRA]
    out = []
    for label, ci, co, z, t in cases:
        h.celsius = t
        out.append({"id": label, "ci_mM": ci, "co_mM": co, "z": z, "celsius": t,
                    "nernst_mV": float(h.nernst(ci, co, z))})
    return out


def ghk_cases() -> list[dict[str, object]]:
    out = []
    for label, v, ci, co, z, t in GHK_CASES:
        h.celsius = t
        out.append({"id": f"{label}, {t:g} C", "v_mV": v, "ci_mM": ci, "co_mM": co, "z": z,
                    "celsius": t, "ghk_mA_per_cm2_per_cm_per_s": float(h.ghk(v, ci, co, z))})
    return out


def main() -> None:
    data = {
        "provenance": {
            "generator": "tests/data/make_neuron_reference.py",
            "neuron_version": neuron_version,
            "nrnversion": h.nrnversion(),
            "generated": datetime.date.today().isoformat(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "FARADAY": float(h.FARADAY),
            "R": float(h.R),
            "notes": (
                "h.nernst(ci, co, z) in mV (inside first, uses h.celsius with +273.15); "
                "h.ghk(v_mV, ci_mM, co_mM, z) in mA/cm^2 per (cm/s), outward positive: "
                "I[A/m^2] = 1000 * P[m/s] * ghk. Floats are Python repr (round-trip exact)."
            ),
        },
        "nernst": nernst_cases(),
        "ghk": ghk_cases(),
    }
    OUT.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(data['nernst'])} nernst and {len(data['ghk'])} ghk cases")


if __name__ == "__main__":
    main()
