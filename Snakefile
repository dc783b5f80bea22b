# stiltgrid: English intermediate-task training (STILTs) x zero-shot cross-lingual transfer, as a grid.
#   snakemake --cores all                        the default preset (demo: offline generated world, tiny MLM)
#   snakemake --cores all --config preset=ci     another preset from config.yaml
import sys
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")


# Snakemake's own message for a YAML syntax error names neither line nor column: check the file first.
sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))
from stiltgrid.grid.config import ConfigError, check_yaml

try:
    check_yaml(Path(workflow.basedir) / "config.yaml")
except ConfigError as err:
    sys.exit(f"config error: {err}\n")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/fetch.smk"
include: "workflow/rules/variants.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/intermediate.smk"
include: "workflow/rules/target.smk"
include: "workflow/rules/retrieval.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/selection.smk"
include: "workflow/rules/export.smk"


rule all:
    default_target: True
    input:
        **aggregate_outputs(),
        analyses=rules.analysis.input,
        export=export_outputs(),
        results_page=JOBS.results_page_output(),
