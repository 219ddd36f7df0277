#!/bin/bash
# RSS of `iocgate serve` (sqlite cache): idle, 1 s after both ports answer, then after 3 s of
# REST hits at c=16 and 50 MCP calls (VmRSS, VmHWM). Needs a simulator (seed 1) on $SIM:
#   .venv/bin/iocgate sim --port 18923 &
#   bench/tools/serverss.sh              # this checkout
#   bench/tools/serverss.sh /tmp/a/src   # a copy of src/ (git archive HEAD src | tar -x -C /tmp/a)
#   DEMO=1 bench/tools/serverss.sh       # demo mode: no key, the built-in simulator, memory cache
SRC=$1
SIM=${SIM:-http://127.0.0.1:18923}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
SHA=c764d280d177f7f512c000f469e59003f2302b9f469c71067ce61a7339ea11ae
KEY=78d02b1d13d04972bbfdfed4ede1cfac4fa58e1b4975ce23a9cc68395a784afc
P=$((20000 + RANDOM % 20000)); M=$((P + 1))
STATE=$(mktemp -d)
if [ -n "$DEMO" ]; then UP=(); KEYENV=(); else UP=(--upstream "$SIM/api/v3"); KEYENV=(VIRUSTOTAL_API_KEY=$KEY); fi
env -u PYTHONPATH -u VIRUSTOTAL_API_KEY XDG_CACHE_HOME="$STATE" "${KEYENV[@]}" ${SRC:+PYTHONPATH=$SRC} \
  "$REPO/.venv/bin/iocgate" serve "${UP[@]}" --rest-port $P --mcp-port $M \
  --quota unlimited >/dev/null 2>&1 &
PID=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:$M/healthz >/dev/null && break; sleep 0.1; done
sleep 1
echo "idle  $(grep VmRSS /proc/$PID/status)"
U=http://127.0.0.1:$P/v1/files/$SHA/behaviour_summary
curl -s $U >/dev/null; curl -s $U >/dev/null
wrk -t1 -c16 -d3s $U >/dev/null
B='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get-summary-all-behavior-reports","arguments":{"id":"'$SHA'"}}}'
for _ in $(seq 50); do
  curl -s -X POST -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \
    -d "$B" http://127.0.0.1:$M/mcp >/dev/null
done
echo "after $(grep VmRSS /proc/$PID/status) $(grep VmHWM /proc/$PID/status)"
kill $PID; wait $PID; rm -rf "$STATE"
