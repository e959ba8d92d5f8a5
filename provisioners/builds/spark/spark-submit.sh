#!/usr/bin/env bash
# spark-submit, as mlab's Spark installs it: Spark's own (spark-submit.spark), after one fix.
# Spark 3.5's Mesos cluster dispatcher launches drivers with `--driver-cores 1.0`, which
# spark-submit then refuses ("Driver cores must be a positive number"): whole numbers written
# with `.0` are passed on as whole numbers.
args=()
while [[ $# -gt 0 ]]; do
  if [[ $1 == --driver-cores && $# -gt 1 && $2 =~ ^([0-9]+)\.0+$ ]]; then
    args+=("$1" "${BASH_REMATCH[1]}"); shift 2
  else
    args+=("$1"); shift
  fi
done
exec "$(dirname "$0")/spark-submit.spark" "${args[@]}"
