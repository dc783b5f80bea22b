# Snakemake script: hands the rule to the stiltgrid package.
from stiltgrid import jobs

jobs.evaluate_retrieval(snakemake)  # noqa: F821 (injected by Snakemake)
