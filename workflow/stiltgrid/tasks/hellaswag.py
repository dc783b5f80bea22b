"""HellaSwag, choose the plausible ending among 4."""

from stiltgrid.hub.base import HubRef
from stiltgrid.hub.multiple_choice import hellaswag_rows, train_dev_source
from stiltgrid.tasks.base import Published, Task
from stiltgrid.world.tasks import HellaSwagGenerator, WorldData

NAME = "hellaswag"
WORLD = WorldData(HellaSwagGenerator())

# Script-free on main: lm-evaluation-harness's hellaswag config reads Rowan/hellaswag at main with datasets >= 4
# (2026-09; the authors' own repository went offline 2026-09-14, so this copy is the source). Default config; splits
# train (39,905 rows) / validation (10,042); columns ind, activity_label, ctx_a, ctx_b, ctx, endings (4 strings),
# source_id, split, split_type, label (string "0"-"3", "" on test). main moves: the data lock pins its commit.
HUB = HubRef("Rowan/hellaswag", "main")

TASK = Task(
    name=NAME,
    format="multiple_choice",
    metric="accuracy",
    role="intermediate",
    description="HellaSwag, choose the plausible ending among 4.",
    published=Published(train=39_905, train_sequences=4, source="Rowan/hellaswag train; 4 endings per context"),
    sources=(
        train_dev_source(
            NAME, HUB, hellaswag_rows, "HellaSwag from Rowan/hellaswag: train / validation", WORLD.n_choices
        ),
    ),
    world=WORLD,
)
