"""rapportd as a child process that can be SIGKILLed and started again on
the same loopback ports (so publishers just reconnect)."""
import os
import random
import signal
import subprocess
import time
import urllib.request


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError):
        return 32768


class Daemon:
    def __init__(self, binary, args, log_path, rng):
        self.binary = binary
        self.args = list(args)
        self.log_path = log_path
        self.rng = rng
        self.proc = None
        self.starts = 0
        self._pick_ports()

    def _pick_ports(self):
        # Below the ephemeral range, as tests/support/start_rapportd.sh does
        # (a private RNG: the fault schedule's seed is not consumed here).
        low = _ephemeral_low()
        port = random.Random().randrange(20000, max(20001, low - 8))
        self.ingress = f"tcp://127.0.0.1:{port}"
        self.publish = f"tcp://127.0.0.1:{port + 1}"
        self.replay = f"tcp://127.0.0.1:{port + 2}"
        self.http = f"127.0.0.1:{port + 3}"

    def healthy(self):
        try:
            with urllib.request.urlopen(f"http://{self.http}/health", timeout=2) as r:
                return r.status == 200
        except Exception:
            return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=60):
        """Starts rapportd and waits for /health; other ports when ours were taken."""
        for attempt in range(5):
            log = open(self.log_path, "a")
            log.write(f"---- chaos: start #{self.starts + 1} ----\n")
            log.flush()
            argv = [self.binary] + self.args + [f"--ingress={self.ingress}", f"--publish={self.publish}",
                                                f"--replay={self.replay}", f"--http={self.http}"]
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
            log.close()
            self.starts += 1
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.healthy():
                    return True
                if not self.alive():
                    break
                time.sleep(0.1)
            if self.alive():
                return False  # up but never healthy within the timeout
            if "Address already in use" not in self.log_tail(20):
                return False
            self._pick_ports()
        return False

    def kill(self, sig=signal.SIGKILL):
        if self.alive():
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def stop(self, timeout=40):
        """SIGTERM and the exit code (None when it had to be SIGKILLed)."""
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def thread_cpu(self):
        """{tid: cpu ticks} of rapportd's threads, to spot a spinning one."""
        ticks = {}
        if not self.alive():
            return ticks
        base = f"/proc/{self.proc.pid}/task"
        try:
            for tid in os.listdir(base):
                with open(f"{base}/{tid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                ticks[int(tid)] = int(fields[11]) + int(fields[12])
        except OSError:
            pass
        return ticks

    def backtraces(self, timeout=60):
        """gdb's backtrace of every thread (empty when gdb is absent)."""
        if not self.alive() or not os.path.exists("/usr/bin/gdb"):
            return ""
        try:
            out = subprocess.run(["gdb", "-p", str(self.proc.pid), "-batch", "-nx",
                                  "-ex", "thread apply all bt 12"],
                                 capture_output=True, text=True, timeout=timeout)
            return out.stdout
        except subprocess.TimeoutExpired:
            return ""
