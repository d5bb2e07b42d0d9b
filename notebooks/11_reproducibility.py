# %% [markdown]
# (ch-reproducibility)=
# # Reproducibility status
#
# This page is computed when the book is built: it reports which panel the
# chapters read, how long each chapter took to execute, the software it ran
# with and the commit it was built from, in the manner of the QuantEcon
# lectures' status page. It is executed after every other chapter.
#
# - **Inputs:** `executed/run_log.json` (the records of this build's chapters,
#   written by `esgrisk.pipeline` and published with them), `requirements.txt`,
#   the installed packages, git.
# - **Outputs:** this page only.
# - **Re-run alone:** `make book` re-executes it whenever any chapter or the
#   commit changed.

# %% tags=["parameters"]
run_log_path = "executed/run_log.json"

# %% tags=["hide-input"]
import json

from myst_nb import glue

from esgrisk import status
from esgrisk.i18n import glue_i18n, tr
from esgrisk.paths import resolve

run_log = json.loads(resolve(run_log_path).read_text(encoding="utf-8"))
run_log = {name: entry for name, entry in run_log.items() if name != "11_reproducibility"}
times = status.run_times(run_log)
glue_i18n("panel_summary", status.panel_summary([{**e, "chapter": n} for n, e in run_log.items()]), kind="md")
versions = status.package_versions(status.pinned_requirements())
host = status.machine()

glue("commit", status.git_commit(), display=False)
glue("python_version", host["python"], display=False)
glue("system", host["system"], display=False)
glue("cpus", host["cpus"], display=False)
glue_i18n("run_time_summary", status.run_time_summary(times))
glue_i18n("all_pins_match", tr("yes") if versions["matches"].all() else tr("NO: see the table"))

# %% [markdown]
# ## Build
#
# {glue:md}`panel_summary`
#
# - Commit: {glue:text}`commit`
# - Python {glue:text}`python_version` on {glue:text}`system` with {glue:text}`cpus` processors
# - {glue:text}`run_time_summary` The pipeline can execute several chapters
#   at once (two by default), so the wall-clock time can be shorter.
#
# A build is published only if every chapter and the HTML succeeded, all at
# once; a failed or interrupted build leaves the previous one in place. A
# chapter whose inputs (its source, its parameters, the content of the panel,
# the package modules it imports, the data files, the pinned environment) did
# not change since its last execution is not executed again; its row then
# shows the time and date of that last execution. Every results file carries
# the same facts in its `provenance` object.
#
# ## Execution time of each chapter

# %%
from esgrisk.tables import show_plain_table

show_plain_table(times, digits={"seconds": 2}, keep=["chapter", "parameters"])

# %% [markdown]
# ## Software
#
# Every installed package matches its pin in `requirements.txt`:
# {glue:text}`all_pins_match`. The full set of transitive pins is in
# `constraints.txt`.

# %%
show_plain_table(versions.assign(matches=versions["matches"].map({True: "yes", False: "NO"})),
                 keep=["package", "pinned", "installed"])
