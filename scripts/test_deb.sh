#!/usr/bin/env bash
# The Debian packages, installed for real (issue 19; `make deb-test`, run by .ci/run as root after
# `make test`): install with apt, check what the maintainer scripts set up, then as the syncwindow
# user `check` and one `tick` against geminidb-emulator (from syncwindow-emulator) on loopback using
# only installed paths; the man pages; the units; an upgrade from a lower version keeping an edited
# conffile and the trail; remove, then purge, each keeping the trail. Leaves the machine as it found it.
#
#   scripts/test_deb.sh [build/syncwindow_V_ARCH.deb build/syncwindow-emulator_V_ARCH.deb]
#
# Without arguments it uses the newest packages in build/ (run `make deb` first). It refuses to run
# where syncwindow is installed or /var/lib/syncwindow exists: that would be somebody's audit trail.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "test_deb: FAILED: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "run as root (it installs packages)"

deb=${1:-$(ls -t build/syncwindow_*.deb 2>/dev/null | head -1)}
emulator_deb=${2:-$(ls -t build/syncwindow-emulator_*.deb 2>/dev/null | head -1)}
[ -f "$deb" ] && [ -f "$emulator_deb" ] || fail "no packages in build/: run make deb first"
deb=$(realpath "$deb")
emulator_deb=$(realpath "$emulator_deb")

if dpkg-query -W -f='${Status}' syncwindow 2>/dev/null | grep -q "installed\|config-files"; then
    fail "syncwindow is installed on this machine; this test installs and purges it"
fi
[ ! -e /var/lib/syncwindow ] || fail "/var/lib/syncwindow exists (an audit trail?); move it away first"
user_existed=no
if id syncwindow >/dev/null 2>&1; then user_existed=yes; fi

export DEBIAN_FRONTEND=noninteractive
apt_install() { apt-get install -y -qq -o Dpkg::Options::=--force-confold "$@"; }
as_service() { runuser -u syncwindow -- "$@"; }
work=$(mktemp -d)
emulator_pid=

cleanup() {
    status=$?
    if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
    emulator_pid=
    apt-get purge -y -qq syncwindow syncwindow-emulator >/dev/null 2>&1 || true
    rm -rf /var/lib/syncwindow /etc/syncwindow "$work"
    if [ "$user_existed" = no ] && id syncwindow >/dev/null 2>&1; then
        userdel syncwindow || echo "test_deb: could not remove the syncwindow user" >&2
    fi
    [ "$status" = 0 ] || echo "test_deb: cleaned up after the failure" >&2
}
trap cleanup EXIT

timings=()
step_started=0
step() {
    finish_step
    step_name=$1
    step_started=$(date +%s.%N)
    echo "== $step_name"
}
finish_step() {
    if [ "$step_started" != 0 ]; then
        timings+=("$(awk -v now="$(date +%s.%N)" -v start="$step_started" -v name="$step_name" \
            'BEGIN { printf "%6.1f s  %s", now - start, name }')")
    fi
}

version=$(dpkg-deb -f "$deb" Version)
arch=$(dpkg-deb -f "$deb" Architecture)

step "a lower version of the same package (to upgrade from)"
# The same payload under version V~test1, which dpkg orders before V: what matters for an upgrade is
# what dpkg and the maintainer scripts do with the operator's files.
old_version="$version~test1"
dpkg-deb -R "$deb" "$work/old"
sed -i "s/^Version: .*/Version: $old_version/" "$work/old/DEBIAN/control"
old_deb="$work/syncwindow_${old_version}_$arch.deb"
dpkg-deb --root-owner-group -Znone -b "$work/old" "$old_deb" >/dev/null   # uncompressed: a copy for this test only
dpkg --compare-versions "$old_version" lt "$version" || fail "$old_version is not lower than $version"

step "apt-get install the older syncwindow and syncwindow-emulator"
apt_install "$old_deb" "$emulator_deb"
[ "$(dpkg-query -W -f='${Version}' syncwindow)" = "$old_version" ] || fail "syncwindow $old_version not installed"

step "what the maintainer scripts set up (sysusers.d, tmpfiles.d), and nothing enabled"
# What postinst ran, run again: both are idempotent.
systemd-sysusers syncwindow.conf
systemd-tmpfiles --create syncwindow.conf
id syncwindow >/dev/null || fail "no syncwindow user"
[ "$(getent passwd syncwindow | cut -d: -f6,7)" = "/var/lib/syncwindow:/usr/sbin/nologin" ] || fail "syncwindow's home or shell"
[ "$(stat -c '%a %U %G' /var/lib/syncwindow)" = "750 syncwindow syncwindow" ] || fail "/var/lib/syncwindow: $(stat -c '%a %U %G' /var/lib/syncwindow)"
[ "$(stat -c '%a %U %G' /etc/syncwindow/credentials)" = "700 syncwindow syncwindow" ] || fail "/etc/syncwindow/credentials: $(stat -c '%a %U %G' /etc/syncwindow/credentials)"
for unit in syncwindow.service syncwindow.timer syncwindow-run.service syncwindow-verify.service syncwindow-verify.timer; do
    [ -f "/usr/lib/systemd/system/$unit" ] || fail "$unit not in /usr/lib/systemd/system"
done
if ls /etc/systemd/system/*.wants/syncwindow* >/dev/null 2>&1; then fail "installing enabled a unit"; fi
grep -q "/etc/syncwindow/config.yaml" /var/lib/dpkg/info/syncwindow.conffiles || fail "config.yaml is not a conffile"
[ -f /usr/share/syncwindow/syncwindow-alerts.yaml ] || fail "no alert rules"
[ -f /usr/share/doc/syncwindow/docs/runbook.md ] || fail "the runbook is not where the alerts' runbook_url points"

step "systemd-analyze verify on the installed units"
systemd-analyze verify /usr/lib/systemd/system/syncwindow.service /usr/lib/systemd/system/syncwindow.timer \
    /usr/lib/systemd/system/syncwindow-run.service /usr/lib/systemd/system/syncwindow-verify.service \
    /usr/lib/systemd/system/syncwindow-verify.timer

step "man pages and completions"
man -w syncwindow >/dev/null || fail "man -w syncwindow"
man -w 5 syncwindow.yaml >/dev/null || fail "man -w 5 syncwindow.yaml"
man -w syncwindow-tick >/dev/null || fail "man -w syncwindow-tick"
man -w geminidb-emulator >/dev/null || fail "man -w geminidb-emulator"
[ -s /usr/share/bash-completion/completions/syncwindow ] || fail "no bash completion"
[ -s /usr/share/zsh/vendor-completions/_syncwindow ] || fail "no zsh completion"
[ -s /usr/share/fish/vendor_completions.d/syncwindow.fish ] || fail "no fish completion"

step "credentials and config edited as an operator would, the emulator on loopback"
# The emulator takes its AK/SK from the same config (cloud.auth), so it runs as the service user too.
printf 'DEBTESTAK%011d\n' "$$" > "$work/ak"
head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$work/sk"
install -o syncwindow -g syncwindow -m 0600 "$work/ak" "$work/sk" /etc/syncwindow/credentials/
# setpriv execs (runuser would stay the parent, and a kill of it leaves the emulator running).
setpriv --reuid=syncwindow --regid=syncwindow --init-groups \
    geminidb-emulator --listen 127.0.0.1:0 --pairs /etc/syncwindow/config.yaml --job-delay 0s \
    > "$work/emulator.out" 2> "$work/emulator.err" &
emulator_pid=$!
for _ in $(seq 1 100); do
    grep -q "^listening on " "$work/emulator.out" && break
    kill -0 "$emulator_pid" 2>/dev/null || fail "geminidb-emulator exited: $(cat "$work/emulator.err")"
    sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$work/emulator.out" | head -1)
[ -n "$url" ] || fail "geminidb-emulator did not say where it listens"
# Every region of the example pairs points at the emulator: the operator's edit of a conffile.
sed -i "s|^  concurrency: 32$|&\n  endpoints:\n    ap-southeast-1: $url\n    ap-southeast-3: $url\n    eu-west-101: $url\n    eu-west-0: $url|" \
    /etc/syncwindow/config.yaml
grep -q "eu-west-0: $url" /etc/syncwindow/config.yaml || fail "could not edit config.yaml"

step "as the syncwindow user: check, then one tick inside tonight's window"
as_service syncwindow check
at="2026-12-01T01:45:00+08:00"
as_service syncwindow tick --at "$at" --poll-interval 0.05
as_service syncwindow status --at "$at" | tee "$work/status"
grep -q "orders-cache" "$work/status" || fail "status does not list orders-cache"
as_service syncwindow audit verify | tee "$work/verify"
head_before=$(sed -n 's/.*head \([0-9a-f]*\).*/\1/p' "$work/verify")
[ -n "$head_before" ] || fail "audit verify printed no head"

step "upgrade to $version: the edited conffile and the trail stay"
apt_install "$deb"
[ "$(dpkg-query -W -f='${Version}' syncwindow)" = "$version" ] || fail "syncwindow $version not installed"
grep -q "eu-west-0: $url" /etc/syncwindow/config.yaml || fail "the upgrade lost the edited config.yaml"
[ -s /etc/syncwindow/credentials/ak ] || fail "the upgrade lost the credentials"
syncwindow --version | grep -q "^$version (" || fail "syncwindow --version: $(syncwindow --version), package $version"
as_service syncwindow audit verify --expect-head "$head_before"
# The next pass runs on the kept trail (and would migrate one an older binary wrote).
as_service syncwindow tick --at "2026-12-01T03:45:00+08:00" --poll-interval 0.05
# What syncwindow-verify.service runs, with the metrics file of the runbook's drop-in.
as_service syncwindow audit verify --metrics-file /var/lib/syncwindow/verify.prom
grep -q "^syncwindow_audit_verify_success 1$" /var/lib/syncwindow/verify.prom || fail "verify metrics: $(cat /var/lib/syncwindow/verify.prom)"

step "apt-get remove: config and trail stay"
apt-get remove -y -qq syncwindow
[ ! -e /usr/bin/syncwindow ] || fail "remove left /usr/bin/syncwindow"
grep -q "eu-west-0: $url" /etc/syncwindow/config.yaml || fail "remove lost config.yaml"
[ -s /var/lib/syncwindow/audit.sqlite ] || fail "remove lost the audit trail"

step "apt-get purge: config gone, the trail stays and purge says so"
apt-get purge -y -qq syncwindow 2>&1 | tee "$work/purge"
[ ! -e /etc/syncwindow/config.yaml ] || fail "purge left config.yaml"
[ ! -e /etc/syncwindow/credentials ] || fail "purge left the credentials"
[ -s /var/lib/syncwindow/audit.sqlite ] || fail "purge removed the audit trail"
grep -q "keeps the audit trail" "$work/purge" || fail "purge did not say it keeps the trail"

finish_step
step_started=0
echo
echo "test_deb: PASSED ($version, from $old_version)"
printf '%s\n' "${timings[@]}"
