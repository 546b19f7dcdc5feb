#!/usr/bin/env bash
# Runs every benchmark of consent-benchmarks and writes the results under consent-benchmarks/bench/results/.
#
#   consent-benchmarks/bench/run.sh            small sizes, one fork, short iterations: about 10 minutes
#   consent-benchmarks/bench/run.sh --full     the sizes of BENCHMARKS.md (1M subjects, 1M items, 100k events)
#   consent-benchmarks/bench/run.sh -- <args>  extra JMH arguments, e.g. -- CheckBenchmark -prof gc
#
# Needs a JDK 17+, Maven, and for the JDBC benchmarks the PostgreSQL and MariaDB of the tests
# (CONSENT_PG_URL, CONSENT_MARIADB_URL; see the README). Nothing else may run on the machine meanwhile.
set -euo pipefail
cd "$(dirname "$0")/../.."

full=false
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --full) full=true; shift ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: $0 [--full] [-- <JMH arguments>]" >&2; exit 2 ;;
  esac
done

mvn -B -q -pl consent-benchmarks -am -DskipTests package
jar=consent-benchmarks/target/benchmarks.jar
out=consent-benchmarks/bench/results
mkdir -p "$out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
size=$($full && echo full || echo small)

{
  echo "date: $(date -u +%FT%TZ)"
  echo "size: $size"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') x $(nproc)"
  echo "memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel: $(uname -r)"
  echo "java: $(java -version 2>&1 | head -n2 | tr '\n' ' ')"
  echo "postgresql: $(psql -h 127.0.0.1 -U postgres -d test -Atc 'select version()' 2>/dev/null || echo unknown)"
  echo "mariadb: $(mariadb -h 127.0.0.1 -uroot -N -e 'select version()' 2>/dev/null || echo unknown)"
} > "$out/$stamp-$size-machine.txt"

if $full; then
  # the sizes the targets are stated for
  sizes=(-p subjects=1000000 -p events=100000 -p items=1000000 -p due=100000)
  footprint=1000000
  iterations=(-f 1 -wi 3 -i 5)
else
  sizes=()
  footprint=200000
  iterations=(-f 1 -wi 2 -w 2 -i 3 -r 2)
fi

java -jar "$jar" "${iterations[@]}" "${sizes[@]}" -rf json -rff "$out/$stamp-$size.json" "${extra[@]}" \
  | tee "$out/$stamp-$size.txt"
java -XX:+UseSerialGC -Xmx6g -cp "$jar" dev.consent.bench.CacheFootprint "$footprint" \
  | tee "$out/$stamp-$size-footprint.txt"
echo "results: $out/$stamp-$size.*"
