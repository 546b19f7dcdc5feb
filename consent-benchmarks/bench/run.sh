#!/usr/bin/env bash
# Runs every benchmark of consent-benchmarks and writes the results under consent-benchmarks/bench/results/.
#
#   consent-benchmarks/bench/run.sh             small sizes, short iterations: about 10-15 minutes
#   consent-benchmarks/bench/run.sh --full      the sizes the targets of BENCHMARKS.md are stated for
#   consent-benchmarks/bench/run.sh --only REGEX   only the benchmark classes whose name matches
#   DATABASES=postgresql consent-benchmarks/bench/run.sh ...   the JDBC benchmarks on these databases only
#
# Needs a JDK 17+, Maven, and for the JDBC benchmarks the PostgreSQL and MariaDB of the tests (CONSENT_PG_URL,
# CONSENT_MARIADB_URL; see the README). Nothing else should run on the machine meanwhile.
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

bench() { # name, JMH arguments...
  local name=$1; shift
  if [[ ! $name =~ $only ]]; then return 0; fi
  echo "== $name $*"
  java -jar "$jar" "\\.$name\\." -rf json -rff "$run-$name.json" "$@" | tee "$run-$name.txt"
}

dbs=(-p "database=${DATABASES:-postgresql,mariadb,h2}")
if $full; then
  bench CheckBenchmark -p subjects=1000000 -f 1 -wi 3 -w 2s -i 5 -r 2s
  bench AppendBenchmark "${dbs[@]}" -p events=100000 -f 1 -wi 2 -i 5
  bench MissCheckBenchmark "${dbs[@]}" -p subjects=100000 -f 1 -wi 2 -w 5s -i 5 -r 5s
  bench BulkAllowedBenchmark "${dbs[@]}" -p subjects=1000000 -f 1 -wi 1 -i 3
  bench SweepBenchmark "${dbs[@]}" -p items=1000000 -p due=100000 -f 1 -wi 1 -i 3
  bench HostTransactionBenchmark "${dbs[@]}" -f 1 -wi 3 -w 5s -i 5 -r 5s
  bench ChangeLatencyBenchmark -f 1 -wi 1 -w 10s -i 5 -r 30s
  footprint=1000000
else
  bench CheckBenchmark -f 1 -wi 2 -w 2s -i 3 -r 2s
  bench AppendBenchmark "${dbs[@]}" -f 1 -wi 1 -i 3
  bench MissCheckBenchmark "${dbs[@]}" -f 1 -wi 1 -w 2s -i 3 -r 2s
  bench BulkAllowedBenchmark "${dbs[@]}" -f 1 -wi 1 -i 3
  bench SweepBenchmark "${dbs[@]}" -f 1 -wi 1 -i 3
  bench HostTransactionBenchmark "${dbs[@]}" -f 1 -wi 1 -w 2s -i 3 -r 2s
  bench ChangeLatencyBenchmark -f 1 -wi 1 -w 5s -i 2 -r 10s
  footprint=200000
fi
if [[ CacheFootprint =~ $only ]]; then
  java -XX:+UseSerialGC -Xmx8g -cp "$jar" dev.consent.bench.CacheFootprint "$footprint" | tee "$run-CacheFootprint.txt"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$run-machine.txt"
echo "results: $run-*"
