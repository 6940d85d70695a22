#!/usr/bin/env python3
"""Publishes the standard stream in collectd's own MQTT layout, at QoS 1, and waits for every PUBACK.

The same readings as `twind simulate`: N messages round-robin over --assets pumps, each carrying temp, pressure,
vibration and current at one time. collectd's mqtt plugin takes the topic `<prefix>/<host>/<plugin>/<type>` and
a payload `<time>:<v1>:<v2>:...` (its text protocol), with the type's data sources declared in a types.db: the
harness declares `pump temp:GAUGE:U:U, pressure:GAUGE:U:U, vibration:GAUGE:U:U, current:GAUGE:U:U`, so one
message is still one value list of 4 readings:

    collectd/pump-0042/twin/pump    1764064800.123456:71.52:2.104:0.0213:12.31

Times increase strictly per series (collectd refuses a value list not newer than the last one it cached).
Usage: publish_collectd.py --port P --count N --assets A [--seed S] | --port P --marker HOST
"""
import argparse
import math
import random
import sys
import time

import paho.mqtt.client as mqtt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--assets", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--marker", metavar="HOST", help="publish one end-marker value list for this host first")
    args = ap.parse_args()

    if hasattr(mqtt, "CallbackAPIVersion"):
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-collectd-pub", clean_session=True)
    else:
        client = mqtt.Client(client_id="bench-collectd-pub", clean_session=True)
    acked = [0]
    client.on_publish = lambda *_: acked.__setitem__(0, acked[0] + 1)
    client.max_inflight_messages_set(0)  # unlimited: every publish goes straight out
    client.max_queued_messages_set(0)
    connected = [False]
    client.on_connect = lambda *_: connected.__setitem__(0, True)
    client.connect("127.0.0.1", args.port)
    while not connected[0]:  # one thread: each publish writes at once, client.loop() reads the PUBACKs
        client.loop(timeout=0.1)

    rng = random.Random(args.seed)
    base = time.time()
    sent = 0
    if args.marker:
        client.publish(f"collectd/{args.marker}/twin/pump", f"{base:.6f}:1:1:1:1", qos=1)
        sent += 1
    width = max(4, len(str(args.assets - 1)))
    for i in range(args.count):
        n = i % args.assets
        t = base + i * 1e-5  # strictly increasing, also per series
        temp = 60 + 10 * math.sin(i / 5000 + n) + rng.random()
        payload = f"{t:.6f}:{temp:.2f}:{2 + rng.random() * 0.2:.3f}:{0.02 + rng.random() * 0.005:.4f}:" \
                  f"{12 + rng.random():.2f}"
        client.publish(f"collectd/pump-{n:0{width}d}/twin/pump", payload, qos=1)
        sent += 1
        if sent % 200 == 0:
            client.loop(timeout=0)
    while acked[0] < sent:  # counted as sent only once the broker acknowledged it
        client.loop(timeout=0.1)
    client.disconnect()


if __name__ == "__main__":
    sys.exit(main())
