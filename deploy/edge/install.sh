#!/usr/bin/env bash
# Installs the Vetra edge agent on a gateway as the systemd service
# vetra-edge: the bundle into /opt/vetra-edge, the configuration into
# /etc/vetra/edge.yaml, the disk queue into /var/lib/vetra-edge, a system
# user `vetra`, and the unit, enabled and (re)started. Running it again
# upgrades the bundle and changes nothing else that is already right.
#
#   sudo ./install.sh [--config FILE] [--dry-run]
#
# --config FILE  the agent configuration to install (an existing different
#                /etc/vetra/edge.yaml is kept as edge.yaml.bak-<time>);
#                without it an installed configuration is left as it is.
# --dry-run      print what would be done, change nothing.
# DESTDIR=DIR    install below DIR (packaging, tests): no user is created,
#                no owner changed, systemd is not asked to reload or start.
#
# Run from the bundle folder (`npm run bundle:edge` puts this script and the
# unit into deploy/edge/dist) or from deploy/edge next to dist/.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
config=""
dry=0
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config=${2:?--config needs a file}; shift 2 ;;
    --config=*) config=${1#--config=}; shift ;;
    --dry-run) dry=1; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

destdir=${DESTDIR:-}
user=vetra
opt="$destdir/opt/vetra-edge"
etc="$destdir/etc/vetra"
state="$destdir/var/lib/vetra-edge"
units="$destdir/etc/systemd/system"
unit_name=vetra-edge.service

say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }
# Every change goes through `run`, so --dry-run shows exactly what would happen.
run() {
  if [ "$dry" = 1 ]; then printf 'would run: %s\n' "$*"; else "$@"; fi
}

if [ -f "$here/vetra-edge.mjs" ]; then bundle="$here"
elif [ -f "$here/dist/vetra-edge.mjs" ]; then bundle="$here/dist"
else die "no vetra-edge.mjs next to this script or in $here/dist: run npm run bundle:edge first"
fi
unit_src="$here/$unit_name"
[ -f "$unit_src" ] || die "$unit_src is missing"
if [ -n "$config" ] && [ ! -f "$config" ]; then die "--config $config: no such file"; fi
if [ -z "$destdir" ] && [ "$dry" = 0 ] && [ "$(id -u)" != 0 ]; then
  die "run as root (or set DESTDIR, or use --dry-run)"
fi

# Node.js: at least 20.19, and the ABI and CPU the bundled native addon was built for.
node_bin=$(command -v node || true)
[ -n "$node_bin" ] || die "node is not installed (Node.js 20.19 or newer is needed)"
node_bin=$(readlink -f "$node_bin")
case "$node_bin" in
  /home/*|/root/*) die "node is $node_bin: the service cannot see home directories (ProtectHome); install Node.js system-wide" ;;
esac
manifest="$bundle/manifest.json"
[ -f "$manifest" ] || die "$manifest is missing"
if ! problem=$("$node_bin" -e '
  const m = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 19)) console.log(`Node.js ${process.versions.node} is too old (20.19 or newer)`);
  else if (m.nodeAbi !== process.versions.modules || m.platform !== process.platform || m.arch !== process.arch)
    console.log(`the bundle was built for Node ABI ${m.nodeAbi} on ${m.platform}/${m.arch} (Node ${m.node}), this is ABI ${process.versions.modules} on ${process.platform}/${process.arch}: build it with this Node major version on this architecture`);
' "$manifest") || [ -n "$problem" ]; then
  die "${problem:-cannot read $manifest}"
fi

# 1. The user the service runs as: no login, no home of its own but the state folder.
if [ -n "$destdir" ]; then
  say "DESTDIR set: user $user not created, owners not changed"
elif getent passwd "$user" >/dev/null; then
  say "user $user exists"
else
  run useradd --system --user-group --home-dir /var/lib/vetra-edge --no-create-home \
    --shell /usr/sbin/nologin --comment "Vetra edge agent" "$user"
fi
own() { # own OWNER:GROUP PATH… — skipped below DESTDIR
  if [ -z "$destdir" ]; then run chown "$@"; fi
}

# 2. The bundle, read-only for the service, swapped in whole (a half-copied
# bundle never runs).
run mkdir -p "$destdir/opt"
run rm -rf "$opt.new" "$opt.old"
run cp -R "$bundle" "$opt.new"
run rm -f "$opt.new/install.sh"
run chmod -R u=rwX,go=rX "$opt.new"
own -R root:root "$opt.new"
if [ -e "$opt" ]; then run mv "$opt" "$opt.old"; fi
run mv "$opt.new" "$opt"
run rm -rf "$opt.old"
say "bundle in /opt/vetra-edge ($(cd "$bundle" && ls node_modules | tr '\n' ' ')beside vetra-edge.mjs)"

# 3. The configuration: root-owned, readable by the service's group (it holds the agent's token).
run mkdir -p "$etc"
run chmod 0755 "$etc"
if [ -n "$config" ]; then
  if [ -f "$etc/edge.yaml" ] && cmp -s "$config" "$etc/edge.yaml"; then
    say "/etc/vetra/edge.yaml unchanged"
  else
    if [ -f "$etc/edge.yaml" ]; then
      run cp -p "$etc/edge.yaml" "$etc/edge.yaml.bak-$(date -u +%Y%m%dT%H%M%SZ)"
    fi
    run install -m 0640 "$config" "$etc/edge.yaml"
  fi
fi
if [ -f "$etc/edge.yaml" ]; then
  own root:"$user" "$etc/edge.yaml"
  run chmod 0640 "$etc/edge.yaml"
fi

# 4. The state folder: disk queue and OPC UA certificates, the only writable path.
run mkdir -p "$state"
own "$user:$user" "$state"
run chmod 0750 "$state"

# 5. The unit, with this machine's node if it is not /usr/bin/node.
run mkdir -p "$units"
unit_text=$(sed "s#^ExecStart=/usr/bin/node #ExecStart=$node_bin #" "$unit_src")
if [ -f "$units/$unit_name" ] && [ "$(cat "$units/$unit_name")" = "$unit_text" ]; then
  say "$unit_name unchanged"
elif [ "$dry" = 1 ]; then
  printf 'would write: %s\n' "$units/$unit_name"
else
  printf '%s\n' "$unit_text" >"$units/$unit_name"
  chmod 0644 "$units/$unit_name"
fi

# 6. Enabled at boot; started (restarted, so a new bundle runs) once a configuration is there.
if [ -n "$destdir" ]; then
  run mkdir -p "$units/multi-user.target.wants"
  run ln -sfn "/etc/systemd/system/$unit_name" "$units/multi-user.target.wants/$unit_name"
  say "DESTDIR set: systemd not reloaded, $unit_name not started"
else
  run systemctl daemon-reload
  run systemctl enable "$unit_name"
  if [ -f "$etc/edge.yaml" ] || [ "$dry" = 1 ]; then
    run systemctl restart "$unit_name"
    if [ "$dry" = 0 ]; then say "started: journalctl -u vetra-edge -f"; fi
  else
    say "no /etc/vetra/edge.yaml yet: copy an example from $here/examples, edit it, then systemctl start vetra-edge"
  fi
fi
