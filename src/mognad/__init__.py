"""mognad: the reproducible pipeline behind the digital-maturity status report."""

__version__ = "0.1.0"
