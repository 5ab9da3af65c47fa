"""Several daemons (nodes) on one PostgreSQL archive, as real processes: a real server, real feeds over HTTP,
a real SMTP server (aiosmtpd). One claim seen by two nodes at once is one story, one alert, one mail; a node
killed while it delivers loses and doubles nothing; status lists every node with its heartbeat."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from .conftest import ROOT, invoke, write_config
from .support.http import HttpServer
from .support.smtp import SmtpServer

CLAIM = "Противник обстрелял Суджу, пострадали 5 мирных жителей."


def rss(channel: str, guid: str, text: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{channel}</title><link>https://{channel}.example.org/</link>
<item><title>{text}</title><link>https://{channel}.example.org/{guid}</link><guid isPermaLink="false">{guid}</guid>
<pubDate>Tue, 06 Aug 2024 07:05:00 +0000</pubDate><description>{text}</description></item>
</channel></rss>"""


def node_config(folder: Path, name: str, url: str, smtp: SmtpServer, feed_url: str) -> Path:
    folder.mkdir()
    return write_config(folder, f"""
[storage]
url = "{url}"
[node]
name = "{name}"
[email]
host = "127.0.0.1"
port = {smtp.port}
sender = "monitor@example.org"
starttls = false
[[watchlist]]
name = "kursk"
regions = ["RU-KRS"]
recipients = ["desk@example.org"]
[[feed]]
name = "{name}_news"
url = "{feed_url}"
interval_seconds = 3600
""")


def start(config: Path, *args: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("MONITOR_CONFIG", None)
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "monitor", "--log-level", "info", "--config", str(config),
                                 "run", *args], stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=env)


def count(url: str, sql: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()[0]


@pytest.mark.slow
def test_two_nodes_seeing_one_claim_at_once_raise_one_alert_and_send_one_mail(tmp_path, pg_server):
    url = pg_server.database()
    http = HttpServer().start()
    smtp = SmtpServer().start()
    try:
        http.route("/a.xml", body=rss("kursk-a", "a-1", CLAIM), headers={"Content-Type": "application/rss+xml"})
        http.route("/b.xml", body=rss("kursk-b", "b-1", CLAIM), headers={"Content-Type": "application/rss+xml"})
        configs = [node_config(tmp_path / name, name, url, smtp, f"{http.url}/{name}.xml") for name in ("a", "b")]
        invoke("stats", config=configs[0])  # the schema is made before the race (both would wait on its lock)
        nodes = [start(config, "--once", log=tmp_path / f"{config.parent.name}.log") for config in configs]
        for node, config in zip(nodes, configs):
            assert node.wait(timeout=240) == 0, (tmp_path / f"{config.parent.name}.log").read_text()
        assert count(url, "SELECT count(*) FROM posts") == 2  # each node stored its channel's post
        assert count(url, "SELECT count(*) FROM story_posts") == 2
        assert count(url, "SELECT count(*) FROM stories") == 1
        assert count(url, "SELECT count(*) FROM alerts") == 1
        time.sleep(0.5)  # a second mail, if any, would have arrived by now
        assert len(smtp.messages) == 1
        assert smtp.messages[0][1]["Subject"].startswith("[kursk] NEW: Противник обстрелял Суджу")
        status = json.loads(invoke("status", "--json", config=configs[0]).stdout)
        assert {n["name"] for n in status["nodes"]} == {"a", "b"}
        assert {tuple(n["sources"]) for n in status["nodes"]} == {("feed:a_news",), ("feed:b_news",)}
    finally:
        http.stop()
        smtp.stop()


@pytest.mark.slow
def test_a_node_killed_while_delivering_loses_and_doubles_nothing(tmp_path, pg_server):
    url = pg_server.database()
    http = HttpServer().start()
    smtp = SmtpServer().start()
    try:
        http.route("/a.xml", body=rss("kursk-a", "a-1", CLAIM), headers={"Content-Type": "application/rss+xml"})
        http.route("/b.xml", body=rss("kursk-b", "b-1", "Курс доллара вырос на 5 копеек."),
                   headers={"Content-Type": "application/rss+xml"})
        config_a, config_b = (node_config(tmp_path / name, name, url, smtp, f"{http.url}/{name}.xml")
                              for name in ("a", "b"))
        smtp.handler.rcpt_delay = 60  # node a's mail stalls in the SMTP dialogue, before the server takes it
        node_a = start(config_a, log=tmp_path / "a.log")
        try:
            assert smtp.handler.in_rcpt.wait(120), (tmp_path / "a.log").read_text()
            assert count(url, "SELECT count(*) FROM deliveries WHERE status = 'sending'") == 1
        finally:
            node_a.send_signal(signal.SIGKILL)
            node_a.wait(timeout=30)
        smtp.handler.rcpt_delay = 0
        node_b = start(config_b, "--once", log=tmp_path / "b.log")
        assert node_b.wait(timeout=240) == 0, (tmp_path / "b.log").read_text()
        messages = smtp.wait_for(1)
        time.sleep(0.5)
        assert len(smtp.messages) == 1 and messages[0][1]["Subject"].startswith("[kursk] NEW:")
        with psycopg.connect(url) as conn:
            status, attempts, owner = conn.execute("SELECT status, attempts, owner FROM deliveries").fetchone()
        assert (status, attempts, owner) == ("sent", 2, None)  # a's claim went back to the queue, b sent it
        assert count(url, "SELECT count(*) FROM alerts WHERE status = 'sent'") == 1
        again = start(config_b, "--once", log=tmp_path / "b2.log")
        assert again.wait(timeout=240) == 0
        assert len(smtp.messages) == 1
    finally:
        http.stop()
        smtp.stop()
