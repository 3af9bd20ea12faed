#!/bin/sh
# Install promtool and prometheus (Debian package `prometheus`) for the tests, if
# missing. Needs root (CI and these machines run as root). The package would start
# a service: a policy-rc.d that refuses is put in place for the install when the
# machine has none, so nothing is left running.
set -eu

if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
    exit 0
fi

policy=/usr/sbin/policy-rc.d
temporary=no
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    temporary=yes
fi
trap 'if [ "$temporary" = yes ]; then rm -f "$policy"; fi' EXIT

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    prometheus >/dev/null
promtool --version | head -n 1
