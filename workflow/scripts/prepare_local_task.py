# Snakemake script: hands the rule to the stiltgrid package (through the fork server, see stiltgrid.launch).
from stiltgrid import launch

launch.run("stiltgrid.jobs:prepare_local_task", snakemake)  # noqa: F821 (injected by Snakemake)
