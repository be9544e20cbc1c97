#!/usr/bin/env bash
# Regression-test a folder of ComfyUI workflows with graphrun, on a CI runner that has no model weights.
#
#   examples/ci/graphrun-test.sh [WORKFLOW_DIR ...]        (default: workflows)
#
# Each workflow NAME.json is rerun and compared with NAME.golden/ beside it. Missing checkpoints become
# deterministic random-weight SD1.5 stand-ins (--stub-models), so the goldens must have been recorded the same
# way, once, on a developer machine, and committed:
#
#   graphrun test workflows --stub-models --device cpu --update && git add workflows/*.golden
#
# A graphrun-test.toml in the folder can shrink sizes/steps (`set = ["5.width=64"]`), point at small inputs
# (`input_dir = "test-inputs"`) and set tolerances. CPU reruns are compared bit for bit by default (torch is
# pinned to 1 thread per worker); if the CI runner's CPU differs from the recording machine's, allow last-bit
# noise with e.g. `[defaults.tolerance] latent_rel_l2 = 1e-5` (see workflows/graphrun-test.toml). Exit status: 0 all pass, 1 a regression, a missing golden
# or a broken workflow, 2 a usage error. The HTML report (expected | actual | difference images and the first
# divergent node) and JUnit XML land in $REPORT_DIR for the CI system to keep as artifacts.
set -euo pipefail

REPORT_DIR="${REPORT_DIR:-graphrun-report}"
JOBS="${JOBS:-2}"
if [ "$#" -eq 0 ]; then set -- workflows; fi

graphrun test "$@" --stub-models --device cpu -j "$JOBS" \
    --report "$REPORT_DIR" --junit "$REPORT_DIR/junit.xml"
