# Snakemake script: hands the rule to the stiltgrid package.
from stiltgrid import jobs

jobs.mlm_checkpoint(snakemake)  # noqa: F821 (injected by Snakemake)
