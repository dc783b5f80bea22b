# Snakemake script: hands the rule to the stiltgrid package (through the fork server, see stiltgrid.runtime.launch); the
# selection rules share it, each running the job function of its own name (stiltgrid.jobs.selection_text, _logme).
import os
import sys

# This workflow's own package first, whatever checkout an editable install points at.
sys.path.insert(0, os.path.join(snakemake.scriptdir, ".."))  # noqa: F821 (injected by Snakemake)
from stiltgrid.runtime import launch  # noqa: E402

launch.run(f"stiltgrid.jobs:{snakemake.rule}", snakemake)  # noqa: F821 (injected by Snakemake)
