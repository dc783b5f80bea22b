"""stiltgrid: English intermediate-task training (STILTs) for zero-shot cross-lingual transfer, as a Snakemake grid."""

__version__ = "0.1.0"
