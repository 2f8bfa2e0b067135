#!/usr/bin/env bash
# Submits a Sightglass batch run as a Slurm job array of SHARDS tasks and its merge step, which
# starts when every task succeeded. Prints the two job ids ("ARRAY_ID MERGE_ID").
#   SG_MODEL=m.pt SG_IMAGES=imgs SG_OUT=/shared/out packaging/slurm/submit.sh SHARDS [SBATCH_OPTION...]
# Options after SHARDS go to both sbatch calls (e.g. --partition=gpu, --time=2:00:00).
# See sightglass-batch.sbatch for the settings.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shards=${1:?usage: submit.sh SHARDS [SBATCH_OPTION...]}
shift
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: SHARDS must be a positive number, not '$shards'" >&2; exit 2; }
: "${SG_OUT:?set SG_OUT to the output folder}"
mkdir -p "$SG_OUT"
export SG_SHARDS=$shards
array=$(sbatch --parsable --array="1-$shards" "$@" "$here/sightglass-batch.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes "$@" \
  "$here/sightglass-merge.sbatch")
echo "$array ${merge%%;*}"
