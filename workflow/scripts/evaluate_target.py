# Snakemake script: hands the rule to the stiltgrid package.
from stiltgrid import jobs

jobs.evaluate_target(snakemake)  # noqa: F821 (injected by Snakemake)
