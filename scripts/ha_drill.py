#!/usr/bin/env python3
"""The failover drill (README "Running on more than one host"; `make ha-drill`).

Starts a throwaway PostgreSQL, the emulator (slow answers, jobs of a few seconds) and three
"hosts": loops that run `syncwindow tick --host-id hN` back to back, as three timers would.
During the window's opening it kill -9s the host acting on the pairs; during its closing it
SIGSTOPs the acting host for longer than its lease, lets another host take over, then
SIGCONTs it. Then it prints what an SRE asks after a failover — pairs converged, time to take
over, POSTs per instance, unaudited calls, calls sent by a host without its lease, audit
verify — and exits 1 if any of them is wrong.

Standard library only. Binaries from $BIN (default .build/debug).
"""
import calendar
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("BIN", os.path.join(ROOT, ".build", "debug"))
PAIRS = 6
LEASE_SECONDS = 10
IN_WINDOW = "2026-12-01T01:31:00Z"
AFTER_WINDOW = "2026-12-01T03:31:00Z"
ROLE_PASSWORD = "drill-password-not-a-secret"


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


class Postgres:
    def __init__(self):
        out = run([os.path.join(ROOT, "scripts", "throwaway-postgres.sh"), "start"], check=True).stdout.split()
        self.dir, self.port = out[0], int(out[1])

    def psql(self, sql, database="postgres"):
        result = run(["psql", "-X", "-q", "-tA", "-h", self.dir, "-p", str(self.port), "-U", "postgres",
                      "-d", database, "-c", sql])
        if result.returncode != 0:
            raise RuntimeError(result.stderr.strip())
        return result.stdout.strip()

    def stop(self):
        run([os.path.join(ROOT, "scripts", "throwaway-postgres.sh"), "stop", self.dir])


class Host(threading.Thread):
    """One host's timer: a tick, a short pause, the next tick; `phase` says which instant (--at)."""

    def __init__(self, name, drill):
        super().__init__(daemon=True)
        self.name, self.drill = name, drill
        self.current = None
        self.exits = []
        self.lock = threading.Lock()
        self.down = False

    def run(self):
        while not self.drill.stopping:
            if self.down:
                time.sleep(0.1)
                continue
            process = subprocess.Popen(
                [os.path.join(BIN, "syncwindow"), "tick", "--config", self.drill.config, "--at", self.drill.phase,
                 "--host-id", self.name, "--lock-timeout", "2", "--poll-interval", "0.2"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            with self.lock:
                self.current = process
            _, stderr = process.communicate()
            with self.lock:
                self.current = None
                self.exits.append((process.returncode, stderr.strip()))
            time.sleep(0.3 + random.random() * 0.4)

    def signal(self, number):
        with self.lock:
            if self.current is None:
                return None
            os.kill(self.current.pid, number)
            return self.current


class Drill:
    def __init__(self, work):
        self.work = work
        self.stopping = False
        self.phase = IN_WINDOW
        self.pg = Postgres()
        self.pg.psql(f"CREATE ROLE syncwindow LOGIN PASSWORD '{ROLE_PASSWORD}'")
        self.pg.psql("CREATE DATABASE drill OWNER syncwindow")
        # A rehearsal store (docs/hosts-that-disagree.md): the drill runs its passes at fixed instants (--at).
        self.pg.psql("ALTER DATABASE drill SET syncwindow.rehearsal = on")
        self.instances = [f"{side}-{i:02d}-in12" for i in range(1, PAIRS + 1) for side in ("primary", "standby")]
        self.emulator = None
        self.config = self.write_config(endpoint=None)
        self.start_emulator()
        self.config = self.write_config(endpoint=self.endpoint)

    def write_config(self, endpoint):
        for name, text in (("ak", "DRILLAK000000000\n"), ("sk", "drill-secret-key-000000000000000\n"),
                           ("pg", ROLE_PASSWORD + "\n")):
            path = os.path.join(self.work, name)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o600)
        os.makedirs(os.path.join(self.work, "windows"), exist_ok=True)
        with open(os.path.join(self.work, "windows", "nightly.yaml"), "w") as f:
            f.write('windows:\n  - name: nightly\n    cron: "30 1 * * *"\n    timezone: UTC\n'
                    '    duration: 2h\n    pairs: ["*"]\n')
        lines = ["state_dir: state", "schedules: windows", "cloud:", "  auth:", "    method: aksk",
                 "    access_key_file: ak", "    secret_key_file: sk", "  timeout: 10s"]
        if endpoint:
            lines += ["  endpoints:", f"    ap-southeast-1: {endpoint}"]
        lines.append("pairs:")
        for i in range(1, PAIRS + 1):
            lines += [f"  pair-{i:02d}:",
                      f"    primary: {{ region: ap-southeast-1, project_id: p1drill, instance_id: primary-{i:02d}-in12 }}",
                      f"    standby: {{ region: ap-southeast-1, project_id: p1drill, instance_id: standby-{i:02d}-in12 }}"]
        lines += ["store:", "  postgres:", f"    url: postgresql://syncwindow@127.0.0.1:{self.pg.port}/drill",
                  "    password_file: pg", "    tls: disable", f"    lease: {LEASE_SECONDS}s", "    lease_margin: 3s"]
        path = os.path.join(self.work, "config.yaml")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def start_emulator(self):
        self.emulator = subprocess.Popen(
            [os.path.join(BIN, "geminidb-emulator"), "--listen", "127.0.0.1:0", "--pairs", self.config,
             "--latency", "300ms", "--job-delay", "3s"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        first = self.emulator.stdout.readline().strip()
        self.endpoint = first.split()[-1]

    def control(self, path):
        with urllib.request.urlopen(f"{self.endpoint}/_emulator/{path}", timeout=10) as response:
            return json.load(response)

    def statuses(self):
        return {i["instance_id"]: i["status"] for i in self.control("state")["instances"]}

    def sql(self, statement):
        return self.pg.psql(statement, database="drill")

    def lease_holders(self):
        rows = self.sql("SELECT pair, host FROM pair_lease WHERE expires_at > clock_timestamp()")
        return dict(line.split("|") for line in rows.splitlines() if line)

    def wait(self, what, condition, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if condition():
                    return True
            except RuntimeError:
                pass  # the schema is not there yet
            time.sleep(0.05)
        print(f"  timed out waiting for {what}")
        return False

    def converged(self, status):
        unsettled = self.sql("""SELECT count(*) FROM event i WHERE i.kind IN ('pause_intent','resume_intent')
                                AND NOT EXISTS (SELECT 1 FROM event o WHERE o.intent_id = i.id)""")
        return unsettled == "0" and all(s == status for s in self.statuses().values())

    def takeover_seconds(self, victim, pairs, since):
        """Seconds from `since` until another host recorded an event on one of `pairs`."""
        names = ",".join(f"'{p}'" for p in pairs)
        first = self.sql(f"""SELECT min(recorded_at) FROM event WHERE host <> '{victim}' AND pair IN ({names})
                             AND recorded_at > '{stamp(since)}'""")
        if not first:
            return None
        at = calendar.timegm(time.strptime(first[:19], "%Y-%m-%dT%H:%M:%S"))
        return at + float("0." + first[20:23]) - since

    def phase_with_failure(self, name, phase, intent_kind, target, failure):
        print(f"{name}: window {'opens' if phase == IN_WINDOW else 'closes'} at {phase}")
        self.phase = phase
        before = int(self.sql(f"SELECT count(*) FROM event WHERE kind = '{intent_kind}'") or 0) if name != "opening" else 0
        # Wait until a host is mid-pass: it holds leases and has recorded an intent in this phase.
        self.wait("a host to act", lambda: self.lease_holders() and
                  int(self.sql(f"SELECT count(*) FROM event WHERE kind = '{intent_kind}'")) > before, 60)
        holders = self.lease_holders()
        victim = max(set(holders.values()), key=list(holders.values()).count)
        pairs = [p for p, h in holders.items() if h == victim]
        host = self.hosts[victim]
        result = {"victim": victim, "pairs": len(pairs)}
        if failure == "kill":
            # The whole host goes down (its timer with it), so another host must take over.
            host.down = True
            at = time.time()
            host.signal(signal.SIGKILL)
            print(f"  kill -9 {victim} (holding {len(pairs)} pair leases); the host stays down")
            result["converged"] = self.wait("convergence", lambda: self.converged(target), 120)
            result["takeover"] = self.takeover_seconds(victim, pairs, at)
            host.down = False
        else:
            at = time.time()
            frozen = host.signal(signal.SIGSTOP)
            print(f"  SIGSTOP {victim} (holding {len(pairs)} pair leases) for {LEASE_SECONDS + 5}s")
            time.sleep(LEASE_SECONDS + 5)
            result["takeover"] = self.takeover_seconds(victim, pairs, at)
            frozen.send_signal(signal.SIGCONT)
            woke = time.time()
            print(f"  SIGCONT {victim}")
            frozen.wait(timeout=120)
            ended = time.time() + 1
            result["frozen_exit"] = frozen.returncode
            # Every call is preceded by its intent: a call by the woken host would show as its intent.
            names = ",".join(f"'{p}'" for p in pairs)
            result["calls_without_lease"] = int(self.sql(
                f"""SELECT count(*) FROM event WHERE host = '{victim}' AND pair IN ({names})
                    AND kind IN ('pause_intent','resume_intent')
                    AND recorded_at > '{stamp(at)}' AND recorded_at < '{stamp(ended)}'"""))
            result["woken_for"] = time.time() - woke
            result["converged"] = self.wait("convergence", lambda: self.converged(target), 120)
        return result

    def report(self, opening, closing):
        requests = self.control("requests")["requests"]
        posts = {i: 0 for i in self.instances}
        for r in requests:
            if r["method"] == "POST" and r.get("status") == 202:
                for i in self.instances:
                    if i in r["path"]:
                        posts[i] += 1
        intents = int(self.sql("SELECT count(*) FROM event WHERE kind IN ('pause_intent','resume_intent')"))
        not_applied = int(self.sql("SELECT count(*) FROM event WHERE outcome = 'not_applied'"))
        accepted = sum(posts.values())
        unaudited = max(0, accepted - (intents - not_applied))
        verify = run([os.path.join(BIN, "syncwindow"), "audit", "verify", "--config", self.config])
        hosts = self.sql("SELECT coalesce(host, '?') || ' ' || count(*) FROM event GROUP BY host ORDER BY host")
        unnamed = int(self.sql("SELECT count(*) FROM event WHERE host IS NULL"))
        counts = sorted(set(posts.values()))
        print()
        print("failover drill: 3 hosts, %d pairs, lease %ds (margin 3s), emulator latency 300ms, jobs 3s"
              % (PAIRS, LEASE_SECONDS))
        print(f"  opening (kill -9 {opening['victim']}): pairs converged {yes(opening['converged'])}, "
              f"time to take over {seconds(opening['takeover'])}")
        print(f"  closing (SIGSTOP {closing['victim']} {LEASE_SECONDS + 5}s): pairs converged "
              f"{yes(closing['converged'])}, time to take over {seconds(closing['takeover'])}, "
              f"woken host exited {closing['frozen_exit']}")
        print(f"  POSTs per instance: {'-'.join(map(str, counts))} (one pause and one resume each is 2; "
              f"a kill between the two sides of a resume costs a re-pause)")
        print(f"  unaudited calls: {unaudited}")
        print(f"  calls sent by a host without its lease: {closing['calls_without_lease']}")
        print(f"  events per host: {', '.join(hosts.splitlines())}; events naming no host: {unnamed}")
        print(f"  audit verify: {(verify.stdout or verify.stderr).strip()}")
        ok = (opening["converged"] and closing["converged"] and unaudited == 0
              and closing["calls_without_lease"] == 0 and verify.returncode == 0 and unnamed == 0
              and min(counts) >= 2)
        print("drill:", "PASSED" if ok else "FAILED")
        return ok

    def main(self):
        self.hosts = {name: Host(name, self) for name in ("host-a", "host-b", "host-c")}
        for host in self.hosts.values():
            host.start()
        opening = self.phase_with_failure("opening", IN_WINDOW, "pause_intent", "SUSPENDED", "kill")
        closing = self.phase_with_failure("closing", AFTER_WINDOW, "resume_intent", "SYNCING", "freeze")
        self.stopping = True
        for host in self.hosts.values():
            host.join(timeout=60)
        return self.report(opening, closing)

    def close(self):
        self.stopping = True
        for host in getattr(self, "hosts", {}).values():
            host.signal(signal.SIGCONT)
        if self.emulator:
            self.emulator.terminate()
        self.pg.stop()


def stamp(seconds_since_epoch):
    """A wall-clock instant as the trail stores `recorded_at` (UTC text, which sorts)."""
    milliseconds = int(round(seconds_since_epoch * 1000)) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds_since_epoch)) + ".%03dZ" % milliseconds


def yes(flag):
    return "yes" if flag else "NO"


def seconds(value):
    return "n/a (the frozen host had finished its pairs' work)" if value is None else f"{value:.1f}s"


if __name__ == "__main__":
    random.seed(int(os.environ.get("SYNCWINDOW_SEED", "7")))
    with tempfile.TemporaryDirectory(prefix="syncwindow-drill-") as work:
        drill = Drill(work)
        try:
            sys.exit(0 if drill.main() else 1)
        finally:
            drill.close()
