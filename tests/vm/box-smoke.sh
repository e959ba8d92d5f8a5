#!/usr/bin/env bash
# Boot a box once and wait for SSH. Must run inside mlab's namespace:
#   scripts/mlab-netns -- bash tests/vm/box-smoke.sh BOX_DIR
# Uses a transient isolated libvirt network (192.168.123.0/24, no <forward>) and a transient
# TCG domain with direct kernel boot, a linked-clone overlay and a cidata seed on a virtio
# disk. Removes every libvirt object and file it made, whatever happens.
set -euo pipefail

box="${1:?usage: box-smoke.sh BOX_DIR}"
box="$(cd "$box" && pwd)"
uri=qemu:///system
export PATH="$PATH:/usr/sbin:/sbin"

ns="$(ip netns identify $$)"
if [[ -z "$ns" ]]; then
    echo "box-smoke: not inside a network namespace; run it as: scripts/mlab-netns -- bash $0 $box" >&2
    exit 1
fi
for f in disk.qcow2 vmlinuz initrd.img box.json; do
    [[ -f "$box/$f" ]] || { echo "box-smoke: $box/$f missing; is this a built box?" >&2; exit 1; }
done
cmdline="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cmdline"])' "$box/box.json")"

tag="mlab-smoke-$$"
domain="$tag"
network="$tag"
bridge="mlsmk$(( $$ % 100000 ))"
mac="52:54:00:7a:00:10"
guest_ip=192.168.123.10
work="$(mktemp -d /var/tmp/mlab-smoke.XXXXXX)"
chmod 755 "$work"

cleanup() {
    local rc=$?
    if [[ $rc -ne 0 && -f "$work/console.log" ]]; then
        echo "box-smoke: last lines of the guest console:" >&2
        tail -n 40 "$work/console.log" >&2 || true
    fi
    virsh -q -c "$uri" destroy "$domain" >/dev/null 2>&1 || true
    virsh -q -c "$uri" net-destroy "$network" >/dev/null 2>&1 || true
    rm -rf "$work"
    exit $rc
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -C box-smoke -f "$work/key"
qemu-img create -q -f qcow2 -F qcow2 -b "$box/disk.qcow2" "$work/node.qcow2" 10G

mkdir "$work/seed"
cat >"$work/seed/meta-data" <<META
instance-id: $tag
local-hostname: smoke
META
cat >"$work/seed/user-data" <<USER
#cloud-config
users:
  - name: mlab
    shell: /bin/bash
    sudo: ALL=(ALL) NOPASSWD:ALL
    ssh_authorized_keys:
      - $(cat "$work/key.pub")
USER
cat >"$work/seed/network-config" <<NET
version: 2
ethernets:
  eth0:
    match:
      macaddress: "$mac"
    set-name: eth0
    addresses: [ $guest_ip/24 ]
NET
genisoimage -quiet -output "$work/seed.iso" -volid cidata -joliet -rock \
    "$work/seed/user-data" "$work/seed/meta-data" "$work/seed/network-config"

cat >"$work/network.xml" <<XML
<network>
  <name>$network</name>
  <bridge name='$bridge' stp='off'/>
  <ip address='192.168.123.1' netmask='255.255.255.0'/>
</network>
XML

cat >"$work/domain.xml" <<XML
<domain type='qemu'>
  <name>$domain</name>
  <memory unit='MiB'>1024</memory>
  <vcpu>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$box/vmlinuz</kernel>
    <initrd>$box/initrd.img</initrd>
    <cmdline>$cmdline</cmdline>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$work/node.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$work/seed.iso'/>
      <target dev='vdb' bus='virtio'/>
      <readonly/>
    </disk>
    <interface type='network'>
      <source network='$network'/>
      <mac address='$mac'/>
      <model type='virtio'/>
    </interface>
    <serial type='file'>
      <source path='$work/console.log'/>
      <target port='0'/>
    </serial>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
  </devices>
</domain>
XML

virsh -q -c "$uri" net-create "$work/network.xml" >/dev/null
started=$(date +%s)
virsh -q -c "$uri" create "$work/domain.xml" >/dev/null
echo "box-smoke: domain $domain started in namespace $ns; waiting for SSH on $guest_ip"

ssh_guest() {
    ssh -i "$work/key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR "mlab@$guest_ip" "$@"
}
deadline=$(( started + ${MLAB_SMOKE_TIMEOUT:-300} ))
until ssh_guest true 2>/dev/null; do
    if (( $(date +%s) > deadline )); then
        echo "box-smoke: no SSH answer from $guest_ip within ${MLAB_SMOKE_TIMEOUT:-300} s" >&2
        exit 1
    fi
    sleep 3
done
echo "TIMING ssh answered $(( $(date +%s) - started )) s after virsh create"

# The box must give a usable default: passwordless sudo for the cloud-init user, the seed's
# hostname, and a root file system grown to the node's 10 GiB disk.
sudo_errors="$(ssh_guest sudo -n true 2>&1 >/dev/null)"
[[ -z "$sudo_errors" ]] || { echo "box-smoke: sudo complained: $sudo_errors" >&2; exit 1; }
echo "box-smoke: guest boot: $(ssh_guest systemd-analyze | head -n 1)"
ssh_guest systemd-analyze blame | head -n 5 | sed 's/^/box-smoke:   /'
hostname="$(ssh_guest hostname)"
[[ "$hostname" == smoke ]] || { echo "box-smoke: hostname is '$hostname', expected 'smoke'" >&2; exit 1; }
root_kib="$(ssh_guest df --output=size -k / | tail -n 1 | tr -d ' ')"
echo "box-smoke: guest root file system ${root_kib} KiB"
(( root_kib > 8 * 1024 * 1024 )) || { echo "box-smoke: root fs was not grown to the 10 GiB disk" >&2; exit 1; }
echo "box-smoke: OK"
