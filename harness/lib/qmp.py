#!/usr/bin/env python3
"""qmp.py: a minimal QMP client for the harness (QEMU's JSON monitor on a Unix socket).

usage: qmp.py SOCKET COMMAND [JSON-ARGUMENTS]   run one command, print its "return" as JSON
       qmp.py SOCKET migrate URI [TIMEOUT]      migrate, wait until it completes or fails;
                                                print "status=... total_ms=... downtime_ms=...
                                                setup_ms=... ram_mb=..." (exit 1 unless completed)
       qmp.py SOCKET wait [TIMEOUT]             wait until the socket accepts a QMP session
"""
import json
import socket
import sys
import time


class Qmp:
    def __init__(self, path, timeout=30):
        deadline = time.time() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        self.file = self.sock.makefile("rw")
        json.loads(self.file.readline())  # the greeting
        self.run("qmp_capabilities")

    def run(self, command, arguments=None):
        message = {"execute": command}
        if arguments:
            message["arguments"] = arguments
        self.file.write(json.dumps(message) + "\n")
        self.file.flush()
        while True:
            reply = json.loads(self.file.readline())
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RuntimeError(command + ": " + reply["error"].get("desc", str(reply["error"])))
            # an asynchronous event: skip it


def main(argv):
    path, command = argv[1], argv[2]
    if command == "wait":
        Qmp(path, float(argv[3]) if len(argv) > 3 else 30)
        return 0
    qmp = Qmp(path)
    if command == "migrate":
        uri = argv[3]
        timeout = float(argv[4]) if len(argv) > 4 else 600
        try:
            qmp.run("migrate", {"uri": uri})
        except RuntimeError as e:
            print("status=refused error=" + json.dumps(str(e)))
            return 1
        deadline = time.time() + timeout
        while True:
            info = qmp.run("query-migrate")
            status = info.get("status", "none")
            if status in ("completed", "failed", "cancelled"):
                ram = info.get("ram", {})
                print("status=%s total_ms=%s downtime_ms=%s setup_ms=%s ram_mb=%.1f%s" % (
                    status, info.get("total-time", "?"), info.get("downtime", "?"), info.get("setup-time", "?"),
                    ram.get("transferred", 0) / 1048576.0,
                    (" error=" + json.dumps(info["error-desc"])) if "error-desc" in info else ""))
                return 0 if status == "completed" else 1
            if time.time() > deadline:
                print("status=timeout last=" + status)
                return 1
            time.sleep(0.1)
    arguments = json.loads(argv[3]) if len(argv) > 3 else None
    print(json.dumps(qmp.run(command, arguments)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
