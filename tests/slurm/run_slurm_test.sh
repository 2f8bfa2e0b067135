#!/usr/bin/env bash
# The batch verb as a Slurm job array (issue 13), on a real single-node Slurm brought up here:
# munged, slurmctld and slurmd (Debian's slurm-wlm and munge) run as the current user with a
# configuration, munge key, state and logs in a temporary folder, on free localhost ports. It
# submits packaging/slurm/submit.sh's 2-task array over resources/samples/cues with its merge
# step, waits, and checks the merged summary against a single-process run (all but the seconds
# column). The daemons are stopped and the folder removed on every exit, failures included.
#
#   tests/slurm/run_slurm_test.sh SOURCE_DIR CLI_BINARY      (ctest -L slurm runs it)
# Exits 0 when it passes, 1 when it fails, 77 (ctest: skipped) when the Slurm or munge binaries
# are not installed (packaging/install-deps.sh installs them).
set -euo pipefail
root=$(cd "${1:?usage: run_slurm_test.sh SOURCE_DIR CLI_BINARY}" && pwd)
cli=${2:?usage: run_slurm_test.sh SOURCE_DIR CLI_BINARY}
say() { echo "slurm-test: $*"; }
fail() { echo "slurm-test: FAILED: $*" >&2; exit 1; }

for binary in munged slurmctld slurmd sbatch squeue sinfo scontrol scancel; do
  if ! command -v "$binary" >/dev/null && [[ ! -x /usr/sbin/$binary ]]; then
    say "skipped: $binary is not installed (apt-get install slurm-wlm munge)"
    exit 77
  fi
done
export PATH="$PATH:/usr/sbin"
[[ -x "$cli" ]] || fail "$cli is not an executable (build sightglass-cli first)"
cli=$(realpath "$cli")

work=$(mktemp -d "${TMPDIR:-/tmp}/sightglass-slurm.XXXXXX")
chmod 700 "$work"
pids=()
dump_logs() {
  for log in "$work"/*.log "$work"/out/*.out; do
    [[ -f "$log" ]] || continue
    echo "----- $(basename "$log") (last lines)" >&2
    tail -n 20 "$log" >&2
  done
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ $status -ne 0 ]]; then dump_logs; fi
  if [[ -f "$work/slurm.conf" ]]; then
    SLURM_CONF="$work/slurm.conf" timeout 10 scancel --quiet --user="$(id -un)" 2>/dev/null || true
  fi
  # Our own daemons only, by the ids we started them with, newest first.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local seconds=$1
  shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}
free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

user=$(id -un)
host=$(hostname -s)
mkdir -p "$work"/{state,spool,munge,out}
chmod 711 "$work/munge"

say "starting munged in $work"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munged.log" --seed-file="$work/munge/seed" \
  --foreground >"$work/munged.stderr" 2>&1 &
pids+=($!)
wait_for 20 test -S "$work/munge/munge.socket" || fail "munged did not start (see munged.log)"

controller_port=$(free_port)
node_port=$(free_port)
[[ "$controller_port" != "$node_port" ]] || node_port=$((node_port + 1))
cat >"$work/slurm.conf" <<CONF
ClusterName=sightglass-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=$user
SlurmdUser=$user
SlurmctldPort=$controller_port
SlurmdPort=$node_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool/%n
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
SlurmdParameters=config_overrides
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MailProg=/bin/true
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=600
KillWait=5
Waittime=0
NodeName=sgnode NodeAddr=127.0.0.1 NodeHostname=$host CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=test Nodes=sgnode Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"

say "starting slurmctld (port $controller_port) and slurmd (port $node_port)"
slurmctld -D -i >"$work/slurmctld.stderr" 2>&1 &
pids+=($!)
wait_for 30 scontrol ping || fail "slurmctld does not answer (see slurmctld.log)"
slurmd -D -N sgnode >"$work/slurmd.stderr" 2>&1 &
pids+=($!)
node_idle() { [[ "$(sinfo -h -n sgnode -o %T)" == idle* ]]; }
wait_for 60 node_idle || fail "node sgnode is not idle after 60 s: $(sinfo -h -o '%T %E' 2>&1)"

samples="$root/resources/samples/cues"
model="$root/models/demo/cues.pt"
say "submitting a 2-task array over $samples and its merge step"
ids=$(cd "$work/out" && SG_CLI="$cli" SG_MODEL="$model" SG_IMAGES="$samples" SG_OUT="$work/out/run" \
  SG_METHODS=gradcam,occlusion SG_RESOLUTIONS=7 SG_ARGS="--evaluate" \
  "$root/packaging/slurm/submit.sh" 2 --cpus-per-task=1 --time=10)
read -r array_id merge_id <<<"$ids"
[[ -n "${merge_id:-}" ]] || fail "submit.sh printed '$ids', not two job ids"
say "array job $array_id, merge job $merge_id"

jobs_gone() { [[ -z "$(squeue -h -j "$array_id,$merge_id" -o %i 2>/dev/null)" ]]; }
wait_for 600 jobs_gone || fail "jobs still queued or running after 10 minutes: $(squeue -h 2>&1)"
for id in "$array_id" "$merge_id"; do
  states=$(scontrol show job "$id" -o | grep -o 'JobState=[A-Z_]*' | sort -u | tr '\n' ' ')
  [[ "$states" == "JobState=COMPLETED " ]] || fail "job $id ended as: $states"
done

say "a single process over the same images"
"$cli" --threads 1 batch --model "$model" --images "$samples" --methods gradcam,occlusion --resolutions 7 \
  --evaluate --out "$work/single" >"$work/single.log" 2>&1 || fail "the single-process batch failed"

# Every column but seconds (the 10th); the cues labels hold no commas, so cut splits fields.
without_seconds() { cut -d, -f1-9,11- "$1"; }
merged="$work/out/run/summary.csv"
[[ -f "$merged" ]] || fail "the merge step wrote no $merged"
rows=$(($(wc -l <"$merged") - 1))
[[ $rows -eq 32 ]] || fail "the merged summary has $rows rows, not 32 (16 images x 2 analyses)"
if ! diff <(without_seconds "$merged") <(without_seconds "$work/single/summary.csv") >"$work/diff.log"; then
  fail "the merged summary differs from the single-process run: $(head -n 6 "$work/diff.log")"
fi
grep -q "batch merge: 2 shards, 32 rows" "$work"/out/sightglass-merge-*.out ||
  fail "the merge job did not report 2 shards"
say "passed: 2 shards on Slurm, merged, equal to one process ($rows rows)"
