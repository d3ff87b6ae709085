"""The physics core of the electrochemical driving force (**contract**).

SI units in and out (V, K, mol/m^3 = mM, S, A, F, C, m, s, N); numpy broadcasting over every
argument; signed valence ``z``; outward current positive; Vm = inside minus outside.

Each relation is defined once (:mod:`problemgen.physics.relations`) and yields its numeric
function, its sympy expression and its LaTeX; misconception models live in
:mod:`problemgen.physics.misconceptions`.
"""

from problemgen.physics.constants import F as F
from problemgen.physics.constants import N_A as N_A
from problemgen.physics.constants import R as R
from problemgen.physics.constants import e as e
from problemgen.physics.constants import eps0 as eps0
from problemgen.physics.constants import k_B as k_B
from problemgen.physics.constants import kelvin as kelvin
from problemgen.physics.constants import water_permittivity as water_permittivity
from problemgen.physics.core import capacitive_charge as capacitive_charge
from problemgen.physics.core import chord_potential as chord_potential
from problemgen.physics.core import coulomb_force as coulomb_force
from problemgen.physics.core import current_direction as current_direction
from problemgen.physics.core import driving_force as driving_force
from problemgen.physics.core import flux_direction as flux_direction
from problemgen.physics.core import fractional_concentration_change as fractional_concentration_change
from problemgen.physics.core import ghk_current as ghk_current
from problemgen.physics.core import ghk_voltage as ghk_voltage
from problemgen.physics.core import ghk_voltage_with_pump as ghk_voltage_with_pump
from problemgen.physics.core import ionic_current as ionic_current
from problemgen.physics.core import nernst as nernst
from problemgen.physics.core import pump_current as pump_current
from problemgen.physics.core import sphere_area as sphere_area
from problemgen.physics.core import sphere_volume as sphere_volume
from problemgen.physics.ions import CELL_TYPES as CELL_TYPES
from problemgen.physics.ions import IONS as IONS
from problemgen.physics.ions import CellType as CellType
from problemgen.physics.ions import Ion as Ion
from problemgen.physics.ions import cell_type as cell_type
from problemgen.physics.ions import ion as ion
from problemgen.physics.misconceptions import Misconception as Misconception
from problemgen.physics.misconceptions import all_misconceptions as all_misconceptions
from problemgen.physics.misconceptions import misconception as misconception
from problemgen.physics.misconceptions import misconceptions_for as misconceptions_for
from problemgen.physics.relations import RELATIONS as RELATIONS
from problemgen.physics.relations import Relation as Relation
from problemgen.physics.relations import relation as relation
from problemgen.physics.surface import EFFECTIVE_DRIVING_FORCE_MODELS as EFFECTIVE_DRIVING_FORCE_MODELS
from problemgen.physics.surface import boltzmann_concentration as boltzmann_concentration
from problemgen.physics.surface import debye_length as debye_length
from problemgen.physics.surface import effective_driving_force as effective_driving_force
from problemgen.physics.surface import grahame_surface_charge as grahame_surface_charge
from problemgen.physics.surface import grahame_surface_potential as grahame_surface_potential
