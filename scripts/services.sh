#!/usr/bin/env bash
# Makes sure the services the tests talk to are up on their standard loopback ports: Node.js
# (interop with the official libraries), RabbitMQ 5672, Mosquitto 1883, Redis 6379 and NATS 4222
# (the message broker module's tests). Whatever is missing is installed from Debian's packages
# and started in the background; whatever already answers is left alone.
set -euo pipefail

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

wait_for() {
  local name=$1 port=$2
  for _ in $(seq 1 120); do
    if listening "$port"; then
      echo "   $name answers on 127.0.0.1:$port"
      return 0
    fi
    sleep 0.5
  done
  echo "   $name did not come up on 127.0.0.1:$port" >&2
  return 1
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "   installing Node.js"
  apt_install nodejs npm
fi

if ! listening 5672; then
  command -v rabbitmq-server >/dev/null 2>&1 || apt_install rabbitmq-server
  echo "   starting RabbitMQ"
  # The package's own service may already be starting; a second node would fail on the name.
  if ! pgrep -f beam.smp >/dev/null 2>&1; then
    $SUDO env RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 rabbitmq-server -detached >/dev/null 2>&1 ||
      (nohup $SUDO rabbitmq-server >/tmp/rabbitmq.log 2>&1 &)
  fi
  wait_for RabbitMQ 5672
fi

if ! listening 1883; then
  command -v mosquitto >/dev/null 2>&1 || apt_install mosquitto
  echo "   starting Mosquitto"
  # Without a configuration Mosquitto listens on loopback only, which is all the tests need.
  mosquitto -d -p 1883 2>/dev/null || (nohup mosquitto -p 1883 >/tmp/mosquitto.log 2>&1 &)
  wait_for Mosquitto 1883
fi

if ! listening 6379; then
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  echo "   starting Redis"
  redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes >/dev/null
  wait_for Redis 6379
fi

if ! listening 4222; then
  command -v nats-server >/dev/null 2>&1 || apt_install nats-server
  echo "   starting NATS"
  (nohup nats-server -a 127.0.0.1 -p 4222 -js -sd /tmp/nats-server >/tmp/nats-server.log 2>&1 &)
  wait_for NATS 4222
fi
