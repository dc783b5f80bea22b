# Snakemake script: hands the rule to the stiltgrid package.
from stiltgrid import jobs

jobs.make_world(snakemake)  # noqa: F821 (injected by Snakemake)
