#!/usr/bin/env python3
"""The naive peer: what a user would write instead of twind.

paho-mqtt subscribes with a persistent session, every JSON message becomes one row per metric in a plain
`readings(asset TEXT, metric TEXT, ts TEXT, value REAL)` table with an index for history queries, and the
transaction is committed every 1,000 messages. paho acknowledges each message as soon as it is read, before the
commit, so a crash loses up to 1,000 acknowledged messages: a weaker guarantee than twind's ack after commit.

Benchmark protocol (not something a user would write): the message of asset --end commits and exits, once its
PUBACK is out (otherwise the broker would redeliver the marker to the next round's run).

Usage: naive_peer.py --port P --db FILE --end ASSET | --port P --register   (create the session, subscribe, exit)
"""
import argparse
import datetime
import json
import sqlite3
import sys

import paho.mqtt.client as mqtt

COMMIT_EVERY = 1000
TOPIC = "twin/+/telemetry"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--db")
    ap.add_argument("--client-id", default="bench-naive-peer")
    ap.add_argument("--register", action="store_true")
    ap.add_argument("--end", default="end-marker", help="asset of the end marker")
    args = ap.parse_args()

    if hasattr(mqtt, "CallbackAPIVersion"):  # paho-mqtt 2.x
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=args.client_id, clean_session=False)
    else:  # paho-mqtt 1.x
        client = mqtt.Client(client_id=args.client_id, clean_session=False)

    if args.register:
        client.on_connect = lambda c, *_: c.subscribe(TOPIC, qos=1)
        client.on_subscribe = lambda c, *_: c.disconnect()
        client.connect("127.0.0.1", args.port)
        client.loop_forever()
        return

    db = sqlite3.connect(args.db)
    db.execute("CREATE TABLE IF NOT EXISTS readings (asset TEXT, metric TEXT, ts TEXT, value REAL)")
    db.execute("CREATE INDEX IF NOT EXISTS readings_by_series ON readings (asset, metric, ts)")
    db.commit()
    state = {"pending": 0, "done": False}

    def on_connect(c, *_):
        c.subscribe(TOPIC, qos=1)

    def on_message(c, _userdata, msg):
        asset = msg.topic.split("/")[1]
        data = json.loads(msg.payload)
        ts = data.pop("ts", None)
        if ts is None:
            when = datetime.datetime.now(datetime.timezone.utc)
        else:
            when = datetime.datetime.fromtimestamp(ts / 1000, datetime.timezone.utc)
        stamp = when.isoformat(timespec="milliseconds")
        rows = [(asset, k, stamp, float(v)) for k, v in data.items() if isinstance(v, (int, float))]
        db.executemany("INSERT INTO readings VALUES (?, ?, ?, ?)", rows)
        state["pending"] += 1
        if state["pending"] >= COMMIT_EVERY:
            db.commit()
            state["pending"] = 0
        if asset == args.end:
            db.commit()
            state["done"] = True

    client.on_connect = on_connect
    client.on_message = on_message
    client.connect("127.0.0.1", args.port)
    while not state["done"]:
        client.loop(timeout=1.0)
    client.loop(timeout=0.1)  # the end marker's PUBACK
    client.disconnect()
    db.commit()
    db.close()


if __name__ == "__main__":
    sys.exit(main())
