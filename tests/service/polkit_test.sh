#!/usr/bin/env bash
# The polkit rule the package ships (dist/polkit/60-borne-networkmanager.rules, docs/network.md):
#  1. node evaluates it with a stand-in `polkit` object: valid JavaScript, one rule, and its
#     answer for the borne user and for another user, for each NetworkManager action;
#  2. when run as root, Debian's own polkitd judges it: in a private mount namespace, the rule
#     directories hold only this rule, the action directory only NetworkManager's action ids
#     (tests/service/nm-actions.policy, every one refused by default), /etc/passwd a `borne`
#     user; polkitd runs on a private system bus (dbus-daemon) and pkcheck asks it about a
#     process running as borne and one running as nobody. Without root (no mount namespace, no
#     uid switch) this half is skipped and said so.
# Usage: polkit_test.sh SOURCE_DIR
set -euo pipefail
src=$(realpath "$1")
rule=$src/dist/polkit/60-borne-networkmanager.rules
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }
granted=(settings.modify.system network-control wifi.scan wifi.share.protected wifi.share.open)
refused=(enable-disable-network settings.modify.hostname sleep-wake)

# 1. node with a stand-in polkit.
if node - "$rule" "${granted[*]}" "${refused[*]}" <<'JS'
const fs = require('node:fs');
const [file, grantedList, refusedList] = process.argv.slice(2);
const rules = [];
const polkit = { Result: { YES: 'yes', NO: 'no', AUTH_ADMIN: 'auth_admin', NOT_HANDLED: null },
  addRule: (f) => rules.push(f), log: () => {} };
new Function('polkit', fs.readFileSync(file, 'utf8'))(polkit); // a syntax error throws here
if (rules.length !== 1) throw new Error(`${rules.length} rules`);
const ask = (id, user) => rules[0]({ id }, { user, local: false, active: false });
for (const a of grantedList.split(' ')) {
  const id = `org.freedesktop.NetworkManager.${a}`;
  if (ask(id, 'borne') !== 'yes') throw new Error(`${id} not granted to borne`);
  if (ask(id, 'nobody') != null) throw new Error(`${id} handled for nobody`);
}
for (const a of refusedList.split(' ')) {
  if (ask(`org.freedesktop.NetworkManager.${a}`, 'borne') != null) throw new Error(`${a} granted`);
}
if (ask('org.freedesktop.login1.reboot', 'borne') != null) throw new Error('reboot granted');
JS
then ok "node: the rule is valid JavaScript and answers as expected"; else bad "node: the rule"; fi

# 2. Debian's polkitd.
if [ "$(id -u)" != 0 ] || [ ! -x /usr/lib/polkit-1/polkitd ] || ! command -v pkcheck >/dev/null ||
  ! unshare -m true 2>/dev/null; then
  echo "skip polkitd: needs root, a mount namespace, polkitd and pkcheck"
  exit $fail
fi
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
mkdir -m 755 "$tmp/rules" "$tmp/etcrules" "$tmp/actions"
install -m 644 "$rule" "$tmp/rules/"
install -m 644 "$src/tests/service/nm-actions.policy" \
  "$tmp/actions/org.freedesktop.NetworkManager.policy"
uid=$(awk -F: 'BEGIN{u=64900} {used[$3]=1} END{while (u in used) u++; print u}' /etc/passwd)
{ grep -v '^borne:' /etc/passwd; echo "borne:x:$uid:$uid:borne:/var/lib/borne:/usr/sbin/nologin"; } >"$tmp/passwd"
{ grep -v '^borne:' /etc/group; echo "borne:x:$uid:"; } >"$tmp/group"
chmod 644 "$tmp/passwd" "$tmp/group"
cat >"$tmp/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$tmp/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/>
  </policy>
</busconfig>
CONF
cat >"$tmp/inside.sh" <<'INSIDE'
set -euo pipefail
tmp=$1 uid=$2
mount --bind "$tmp/rules" /usr/share/polkit-1/rules.d
mount --bind "$tmp/etcrules" /etc/polkit-1/rules.d
mount --bind "$tmp/actions" /usr/share/polkit-1/actions
mount --bind "$tmp/passwd" /etc/passwd
mount --bind "$tmp/group" /etc/group
dbus-daemon --config-file="$tmp/bus.conf" --fork --print-pid=3 3>"$tmp/bus.pid"
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$tmp/bus
/usr/lib/polkit-1/polkitd >"$tmp/polkitd.log" 2>&1 &
polkitd=$!
stop() { kill "$polkitd" $(jobs -p) 2>/dev/null || true; kill "$(cat "$tmp/bus.pid")" 2>/dev/null || true; }
trap stop EXIT
gdbus wait --system --timeout 30 org.freedesktop.PolicyKit1
setpriv --reuid="$uid" --regid="$uid" --clear-groups sleep 300 &
as_borne=$!
setpriv --reuid=65534 --regid=65534 --clear-groups sleep 300 &
as_nobody=$!
verdict() { # action pid -> yes/no
  if pkcheck --action-id "org.freedesktop.NetworkManager.$1" --process "$2" >/dev/null 2>"$tmp/pkcheck.err"; then echo yes; else echo no; fi
}
for a in $GRANTED; do
  echo "$a borne $(verdict "$a" $as_borne) nobody $(verdict "$a" $as_nobody)"
done
for a in $REFUSED; do
  echo "$a borne $(verdict "$a" $as_borne)"
done
INSIDE
out=$(GRANTED="${granted[*]}" REFUSED="${refused[*]}" unshare -m --propagation private \
  bash "$tmp/inside.sh" "$tmp" "$uid" 2>&1) || { echo "$out"; cat "$tmp/polkitd.log" 2>/dev/null; bad "polkitd run"; exit 1; }
for a in "${granted[@]}"; do
  grep -qx "$a borne yes nobody no" <<<"$out" && ok "polkitd: $a for borne only" ||
    { echo "$out"; bad "polkitd: $a"; }
done
for a in "${refused[@]}"; do
  grep -qx "$a borne no" <<<"$out" && ok "polkitd: $a refused to borne" || { echo "$out"; bad "polkitd: $a"; }
done
grep -q 'Finished loading, compiling and executing 1 rules' "$tmp/polkitd.log" && ok "polkitd loaded 1 rule (its log)" ||
  { cat "$tmp/polkitd.log"; bad "polkitd did not load the rule"; }
exit $fail
