# Snakemake script: hands the rule to the stiltgrid package.
from stiltgrid import jobs

jobs.train_target(snakemake)  # noqa: F821 (injected by Snakemake)
