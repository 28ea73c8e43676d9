# Sourced by the shell tests: starts a rapportd on loopback ports of its own
# and waits until /health answers.
#
#   rp_start_rapportd LOG RAPPORTD [ARGS...]
#
# sets `ingress`, `publish`, `replay`, `http` and `pid`. The ports are taken
# below the kernel's ephemeral range, so that no TCP client of a test running
# beside this one (ctest -j) can be holding them; a port another test's daemon
# listens on is still possible, so a daemon that exits because a port was
# taken is started again on other ports (five attempts), as rp_test.c does
# for the C tests. Returns 1 with the log left in LOG when rapportd does not
# become healthy.

rp_ephemeral_low() {
  local low _
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || low=32768
  echo "$low"
}

rp_pick_ports() {
  local low span port
  low=$(rp_ephemeral_low)
  span=$(( low - 4 - 20000 ))
  (( span > 0 )) || span=10000
  port=$(( 20000 + (RANDOM * 32768 + RANDOM) % span ))
  ingress=tcp://127.0.0.1:$port
  publish=tcp://127.0.0.1:$((port + 1))
  replay=tcp://127.0.0.1:$((port + 2))
  http=127.0.0.1:$((port + 3))
}

# Waits for /health; 0 when healthy, 1 when rapportd exited, 2 on timeout.
rp_wait_healthy() {
  local _
  for _ in $(seq 1 300); do
    curl -sf "http://$http/health" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 2
}

rp_start_rapportd() {
  local log=$1 daemon=$2 attempt status
  shift 2
  for attempt in 1 2 3 4 5; do
    rp_pick_ports
    "$daemon" "$@" --ingress="$ingress" --publish="$publish" --replay="$replay" --http="$http" \
      2>"$log" &
    pid=$!
    status=0
    rp_wait_healthy || status=$?
    [ $status = 0 ] && return 0
    [ $status = 2 ] && return 1
    wait "$pid" 2>/dev/null || true
    grep -q "Address already in use" "$log" || return 1
    echo "rapportd: a port was taken (attempt $attempt), starting again on other ports" >&2
  done
  return 1
}
