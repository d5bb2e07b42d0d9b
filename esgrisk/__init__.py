"""Shared code of the book *Security risk and ESG of e-commerce firms: a reproducible re-analysis*.

Notebooks in ``notebooks/`` are narrative plus short calls into this package;
the logic (loading and validating panels, the calibrated simulation,
estimators, audit checks, the Monte Carlo and the build pipeline) lives here
as small functions tested in ``tests/``.
"""

__version__ = "0.1.0"
