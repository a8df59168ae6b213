#!/bin/bash
# kill -9 under load: perfdhcp runs 2,000 new clients a second for 8 s while
# netrootd is SIGKILLed at 3 s and started again at once on the same state
# directory. perfdhcp -u checks every ACK it gets: an address acknowledged
# to two clients counts as "non unique". There must be none across the
# crash (the leases ACKed before it are read back from the journal), and
# the run must go on after the restart. (With the journal deleted before
# the restart, this run counted 68.) Once per run.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
if [ "$IT_CLIENT" != ours ]; then
    skip "kill -9 under load" "runs once, with the default client"
    exit 0
fi
command -v perfdhcp > /dev/null || { notok "no perfdhcp (scripts/install-deps all)"; exit 1; }
it_setup
# a /16: room for 8 s of 2,000 new clients a second without reusing an
# address (perfdhcp -u counts an address ACKed to two clients)
ip -n "$LAB_NS" addr replace 10.77.0.1/16 dev veth-s
ip -n "$LAB_CNS" addr add 10.77.0.2/16 dev "$LAB_CLIENT_IF"
ip -n "$LAB_CNS" link set "$LAB_CLIENT_IF" up
d=$LAB_DIR/load
mkdir -p "$d/state" "$d/clients.d"
cat > "$d/netrootd.conf" <<CONF
[netrootd]
interface = veth-s
state-dir = $d/state
clients-dir = $d/clients.d
[dhcp]
rapid-commit = no
lease-time = 1h
[pool veth-s]
range = 10.77.0.10 10.77.255.250
netmask = 255.255.0.0
CONF
it_netrootd "$d/netrootd.conf" "$d/log"
ip netns exec "$LAB_CNS" timeout 30 perfdhcp -4 -u -l "$LAB_CLIENT_IF" -r 2000 -R 100000 -p 8 > "$d/perf.out" 2>&1 &
ppid=$!
lab_track "$ppid"
sleep 3
kill -9 "$NRD_PID"
wait "$NRD_PID" 2>/dev/null
before=$(wc -c < "$d/state/leases.journal")
it_netrootd "$d/netrootd.conf" "$d/log"
wait "$ppid"
sed -n '/REQUEST-ACK/,/non unique/p' "$d/perf.out" | sed 's/^/#   /'
nu=$(awk '/Statistics for: REQUEST-ACK/ { s = 1 } s && /^non unique addresses:/ { print $4; exit }' "$d/perf.out")
acked=$(awk '/Statistics for: REQUEST-ACK/ { s = 1 } s && /^received packets:/ { print $3; exit }' "$d/perf.out")
check "perfdhcp ran through the crash: ${acked:-0} ACKs" [ "${acked:-0}" -gt 8000 ]
check "no address ACKed to two clients across kill -9 (non unique: ${nu:-?})" [ "${nu:-1}" = 0 ]
check "the restarted server read back the journal ($before bytes)" \
    grep -Eq "leases: [1-9][0-9]* from" <(sed -n '3,$p' "$d/log" | grep 'leases:' | tail -n 1)
it_done
