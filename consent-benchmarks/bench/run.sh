#!/usr/bin/env bash
# Runs every benchmark of consent-benchmarks and writes the results under consent-benchmarks/bench/results/.
#
#   consent-benchmarks/bench/run.sh             small sizes: about 20-30 minutes
#   consent-benchmarks/bench/run.sh --full      the sizes the targets of BENCHMARKS.md are stated for
#   consent-benchmarks/bench/run.sh --only REGEX   only the benchmark classes whose name matches
#   DATABASES=postgresql consent-benchmarks/bench/run.sh ...   the JDBC benchmarks on these databases only
#
# Needs a JDK 17+, Maven, and for the JDBC benchmarks the PostgreSQL and MariaDB of the tests (CONSENT_PG_URL,
# CONSENT_MARIADB_URL; see the README), and python3 for the ratio errors and the final table (bench/report.py).
# Nothing else should run on the machine meanwhile: each class's load average is recorded in the machine file, and a
# class run while the machine was busy is marked (in the machine file, in <run>-BUSY.txt and in the final table).
# Environment: BUSY_BEFORE, BUSY_DURING, WAIT_QUIET, RERUNS (below), DATABASES.
set -euo pipefail
cd "$(dirname "$0")/../.."

full=false
only=.
while [ $# -gt 0 ]; do
  case "$1" in
    --full) full=true; shift ;;
    --only) only=$2; shift 2 ;;
    *) echo "usage: $0 [--full] [--only REGEX]" >&2; exit 2 ;;
  esac
done

mvn -B -q -pl consent-benchmarks -am -DskipTests package
jar=consent-benchmarks/target/benchmarks.jar
out=consent-benchmarks/bench/results
mkdir -p "$out"
size=$($full && echo full || echo small)
run="$out/$(date -u +%Y%m%dT%H%M%SZ)-$size"

{
  echo "date: $(date -u +%FT%TZ)"
  echo "size: $size"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') x $(nproc)"
  echo "memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel: $(uname -r)"
  echo "java: $(java -version 2>&1 | head -n2 | tr '\n' ' ')"
  echo "postgresql: $(psql -h 127.0.0.1 -U postgres -d test -Atc 'select version()' 2>/dev/null || echo unknown)"
  echo "mariadb: $(mariadb -h 127.0.0.1 -uroot -N -e 'select version()' 2>/dev/null || echo unknown)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$run-machine.txt"

cores=$(nproc)
# The machine counts as busy for a class when the 1-minute load average is above BUSY_BEFORE when it starts, or rises
# above BUSY_DURING while it runs (sampled every 5 s; the benchmark itself and its database account for up to about two
# runnable threads). WAIT_QUIET seconds are waited at most for the load to fall below BUSY_BEFORE before each class.
busy_before=${BUSY_BEFORE:-$(awk -v c="$cores" 'BEGIN { print c - 0.5 }')}
busy_during=${BUSY_DURING:-$(awk -v c="$cores" 'BEGIN { print c + 1 }')}
wait_quiet=${WAIT_QUIET:-0}
# A class whose ratio's error (from JMH's score errors) is 20% or more is run again with twice the forks and
# iterations, at most RERUNS times.
reruns=${RERUNS:-1}
load1() { cut -d' ' -f1 /proc/loadavg; }
above() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }
report=consent-benchmarks/bench/report.py
have_python=$(command -v python3 >/dev/null && echo true || echo false)
$have_python || echo "python3 not found: ratio errors are not checked and no table is printed" >&2

# Runs one class while sampling the load; records load before, highest during and after, and the verdict, in the
# machine file. Arguments: name, then what the command to run takes.
measured() {
  local name=$1; shift
  local waited=0
  while above "$(load1)" "$busy_before" && [ "$waited" -lt "$wait_quiet" ]; do sleep 10; waited=$((waited + 10)); done
  local before; before=$(load1)
  local peak; peak=$(mktemp)
  echo "$before" > "$peak"
  ( while sleep 5; do l=$(load1); above "$l" "$(cat "$peak")" && echo "$l" > "$peak"; done ) &
  local sampler=$!
  local rc=0
  "$@" || rc=$?
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  local after highest verdict
  after=$(load1); highest=$(cat "$peak"); rm -f "$peak"
  verdict=quiet
  if above "$before" "$busy_before"; then verdict="BUSY (load $before above $busy_before at the start)"
  elif above "$highest" "$busy_during"; then verdict="BUSY (load rose to $highest, above $busy_during)"; fi
  echo "class $name: $verdict; load before $before, highest $highest, after $after" >> "$run-machine.txt"
  if [[ $verdict == BUSY* ]]; then echo "$name" >> "$run-BUSY.txt"; fi
  return $rc
}

bench() { # name, forks, warm-up iterations, measured iterations, other JMH arguments...
  local name=$1 forks=$2 warmups=$3 iterations=$4; shift 4
  if [[ ! $name =~ $only ]]; then return 0; fi
  local attempt=0
  while true; do
    echo "== $name -f $forks -wi $warmups -i $iterations $*"
    sed -i "/^class $name: /d" "$run-machine.txt"
    sed -i "/^$name\$/d" "$run-BUSY.txt" 2>/dev/null || true
    measured "$name" bash -c 'java -jar "$0" "\\.$1\\." -rf json -rff "$2" "${@:3}" | tee "$3"' "$jar" "$name" \
      "$run-$name.json" "$run-$name.txt" -f "$forks" -wi "$warmups" -i "$iterations" "$@"
    if ! $have_python || python3 "$report" --check "$run" "$name" || [ "$attempt" -ge "$reruns" ]; then break; fi
    attempt=$((attempt + 1)); forks=$((forks * 2)); iterations=$((iterations * 2))
    echo "== $name: a ratio's error is 20% or more; running it again with $forks forks of $iterations iterations"
  done
}

dbs=(-p "database=${DATABASES:-postgresql,mariadb,h2}")
if $full; then
  bench CheckBenchmark 2 3 5 -p subjects=1000000 -w 2s -r 2s
  bench AppendBenchmark 2 2 5 "${dbs[@]}" -p events=100000
  bench MissCheckBenchmark 2 2 5 "${dbs[@]}" -p subjects=100000 -w 5s -r 5s
  bench BulkAllowedBenchmark 1 1 5 "${dbs[@]}" -p subjects=1000000
  bench SweepBenchmark 1 1 5 "${dbs[@]}" -p items=1000000 -p due=100000
  bench HostTransactionBenchmark 2 3 5 "${dbs[@]}" -w 5s -r 5s
  bench ChangeLatencyBenchmark 1 1 5 -w 10s -r 30s
  bench SignalApplyBenchmark 2 3 5 -w 2s -r 2s
  bench ConsentModeBulkBenchmark 1 2 5 -p subjects=1000000
  footprint=1000000
else
  bench CheckBenchmark 2 2 5 -w 2s -r 2s
  bench AppendBenchmark 2 1 5 "${dbs[@]}"
  bench MissCheckBenchmark 2 1 5 "${dbs[@]}" -w 2s -r 2s
  bench BulkAllowedBenchmark 1 1 5 "${dbs[@]}"
  bench SweepBenchmark 2 1 5 "${dbs[@]}"
  bench HostTransactionBenchmark 2 1 5 "${dbs[@]}" -w 2s -r 2s
  bench ChangeLatencyBenchmark 1 1 2 -w 5s -r 10s
  bench SignalApplyBenchmark 1 2 5 -w 1s -r 2s
  bench ConsentModeBulkBenchmark 1 1 5
  footprint=200000
fi
if [[ CacheFootprint =~ $only ]]; then
  measured CacheFootprint bash -c 'java -XX:+UseSerialGC -Xmx8g -cp "$0" dev.consent.bench.CacheFootprint "$1" | tee "$2"' \
    "$jar" "$footprint" "$run-CacheFootprint.txt"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$run-machine.txt"
echo "results: $run-*"
if [ -s "$run-BUSY.txt" ]; then
  echo "THE MACHINE WAS BUSY during: $(tr '\n' ' ' < "$run-BUSY.txt")(see $run-machine.txt); not for BENCHMARKS.md" >&2
fi
if $have_python; then
  python3 "$report" "$run" | tee "$run-table.md"
fi
