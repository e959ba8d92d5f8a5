#!/usr/bin/env bash
# Install what mlab needs on the host, from Debian packages. Idempotent: packages already
# installed are skipped, and nothing is downloaded when everything is there.
#
# qemu-utils must match qemu-system-x86: a newer qemu-utils (e.g. from backports) next to
# bookworm's qemu-system-x86 breaks image handling, so both are pinned to the newest version
# the bookworm suites (not backports) offer, downgrading if needed.
#
#   scripts/host-setup.sh               what mlab needs to run labs
#   scripts/host-setup.sh --test-tools  plus what the test suite uses (a local sshd to test
#                                       against, tmux, nginx, haproxy, shellcheck, systemd-analyze and graphviz to check
#                                       rendered files, python3-yaml to read cloud-init seeds as the guest does, chromium for the portal test)
set -euo pipefail

[[ $(id -u) -eq 0 ]] || { echo "host-setup: run as root (it installs Debian packages)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

packages=(
    libvirt-daemon-system libvirt-clients libvirt-dev pkg-config
    dnsmasq-base debootstrap e2fsprogs genisoimage openssh-client iproute2 python3
    # `mlab artifact build kafka` and `chronos` resolve jars with Maven; Marathon builds with
    # sbt (a jar from Maven Central) on the JDK
    maven openjdk-17-jdk-headless
)
# Marathon's web UI build fetches Node 5, Node 10 and npm 6 as npm packages, with npm (any
# npm already on PATH will do, so a host with its own Node.js keeps it).
command -v npm >/dev/null || packages+=(npm)
qemu_packages=(qemu-system-x86 qemu-utils)
if [[ "${1:-}" == "--test-tools" ]]; then
    # chromium: the portal test renders the lab's page in a headless browser.
    packages+=(python3-yaml openssh-server tmux nginx-light haproxy shellcheck systemd graphviz chromium)
fi

installed_version() { dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$1" 2>/dev/null | awk '$1 == "ii" {print $2}'; }

missing=()
for package in "${packages[@]}"; do
    [[ -n "$(installed_version "$package")" ]] || missing+=("$package")
done

apt_updated=0
apt_update() {
    if [[ $apt_updated -eq 0 ]]; then
        echo "host-setup: apt-get update"
        apt-get update -qq >/dev/null
        apt_updated=1
    fi
}

# The newest version of $1 offered by a bookworm suite other than backports.
bookworm_version() {
    apt-cache madison "$1" | awk -F'|' '$3 ~ /bookworm/ && $3 !~ /backports/ {gsub(/ /, "", $2); print $2; exit}'
}

qemu_pins=()
qemu_needed() {
    local package want
    for package in "${qemu_packages[@]}"; do
        [[ -n "$(installed_version "$package")" ]] || return 0
    done
    # Both installed: they must be the same version and not from backports.
    [[ "$(installed_version qemu-system-x86)" == "$(installed_version qemu-utils)" ]] || return 0
    [[ "$(installed_version qemu-utils)" != *bpo* ]] || return 0
    return 1
}

if [[ ${#missing[@]} -gt 0 ]] || qemu_needed; then
    apt_update
fi
if qemu_needed; then
    want="$(bookworm_version qemu-system-x86)"
    [[ -n "$want" ]] || { echo "host-setup: no bookworm version of qemu-system-x86 in the apt sources" >&2; exit 1; }
    for package in "${qemu_packages[@]}"; do qemu_pins+=("$package=$want"); done
fi

if [[ ${#missing[@]} -gt 0 || ${#qemu_pins[@]} -gt 0 ]]; then
    echo "host-setup: installing ${missing[*]} ${qemu_pins[*]}"
    # Without systemd, package scripts would start libvirtd/virtlogd through invoke-rc.d in
    # the host's network namespace. Debian's policy-rc.d hook (exit 101) forbids that.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\n# Temporary, from mlab scripts/host-setup.sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    apt-get install -y -qq --no-install-recommends --allow-downgrades \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}" "${qemu_pins[@]}" >/dev/null
else
    echo "host-setup: all host packages already installed"
fi

# Debian's packages start libvirtd under systemd where there is one; mlab runs its own
# libvirtd inside a network namespace (scripts/mlab-netns), so the host one must not run.
if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
    for unit in libvirtd.service libvirtd.socket libvirtd-ro.socket libvirtd-admin.socket; do
        if systemctl is-active --quiet "$unit"; then
            echo "host-setup: note: $unit is active; scripts/mlab-netns needs it stopped ('systemctl disable --now $unit')"
        fi
    done
fi
