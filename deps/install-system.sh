#!/usr/bin/env bash
# Installs the Debian packages listed in deps/apt-packages.txt that are missing.
# Nothing missing: prints nothing, exits 0. Missing and root: apt-get installs
# them. Missing and not root: one line naming them and the command, exit 1.
#
#   deps/install-system.sh [LIST]    (LIST defaults to deps/apt-packages.txt)
set -euo pipefail
list=${1:-"$(dirname "$0")/apt-packages.txt"}

# Not Debian (no dpkg): nothing to check against; the tests name what they lack.
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "deps/install-system.sh: no dpkg here; install the equivalents of $(sed -e 's/#.*//' "$list" | xargs) yourself" >&2
  exit 0
fi

mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$list")
[ ${#wanted[@]} -eq 0 ] && exit 0
# One dpkg-query for all (fast). Its status, not `dpkg -s`'s exit code: that
# also succeeds for a removed package whose config files remain.
installed=" $(dpkg-query -W -f='${Package}=${db:Status-Status} ' "${wanted[@]}" 2>/dev/null || true) "
missing=()
for pkg in "${wanted[@]}"; do
  [[ $installed == *" $pkg=installed "* ]] || missing+=("$pkg")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages (${list}): ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
