"""Notifications reach a real AF_UNIX datagram socket, as systemd's would."""

from __future__ import annotations

import os
import socket

from monitor.systemd import Notifier, watchdog_interval


def receive(sock: socket.socket) -> list[str]:
    sock.settimeout(2)
    return sock.recv(4096).decode().split("\n")


def test_ready_status_watchdog_and_reload_lines_reach_the_socket(tmp_path):
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    try:
        notifier = Notifier(path)
        assert notifier.ready("3 sources, 0 posts today")
        assert receive(sock) == ["READY=1", "STATUS=3 sources, 0 posts today"]
        notifier.watchdog()
        assert receive(sock) == ["WATCHDOG=1"]
        notifier.reloading()
        lines = receive(sock)
        assert lines[0] == "RELOADING=1" and lines[1].startswith("MONOTONIC_USEC=") and int(lines[1].split("=")[1]) > 0
        notifier.stopping()
        assert receive(sock) == ["STOPPING=1"]
        notifier.close()
    finally:
        sock.close()


def test_abstract_socket_addresses_are_supported():
    name = f"monitor-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    try:
        notifier = Notifier("@" + name)
        assert notifier.status("hello")
        assert receive(sock) == ["STATUS=hello"]
        notifier.close()
    finally:
        sock.close()


def test_without_a_notify_socket_nothing_is_sent(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    notifier = Notifier()
    assert not notifier.enabled and not notifier.ready()


def test_a_vanished_socket_is_logged_not_raised(tmp_path, caplog):
    notifier = Notifier(str(tmp_path / "missing.sock"))
    assert not notifier.ready()
    notifier.close()
    assert "cannot notify systemd" in caplog.text


def test_watchdog_interval_is_half_of_watchdog_sec(monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert watchdog_interval() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", "1")
    assert watchdog_interval() is None
    monkeypatch.delenv("WATCHDOG_USEC")
    assert watchdog_interval() is None
