# Snakemake script: hands the rule to the stiltgrid package.
from stiltgrid import jobs

jobs.aggregate(snakemake)  # noqa: F821 (injected by Snakemake)
