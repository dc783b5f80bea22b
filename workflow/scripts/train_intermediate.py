# Snakemake script: hands the rule to the stiltgrid package.
from stiltgrid import jobs

jobs.train_intermediate(snakemake)  # noqa: F821 (injected by Snakemake)
