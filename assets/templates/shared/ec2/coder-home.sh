#!/usr/bin/env bash
# Mounts the workspace's EBS home volume before the Coder agent starts (coder-home.service, every boot).
# Usage: coder-home <volume id> <attachment device name> <mount point> <owner>
#
# The volume is found by its id, never by a device name: on Nitro instances EBS volumes are NVMe devices
# whose numbering follows discovery order and can change between starts, and on g4dn/g5 an NVMe name
# can just as well be the instance-store SSD, which is wiped on stop. An EBS volume carries its id
# without the dash as its NVMe serial number (udev links it as
# /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_<serial>). Terraform attaches the volume only after the
# instance is running, so the first boot waits for it. It is formatted only when blkid finds nothing on
# it; anything blkid cannot identify cleanly is left alone and the agent is not started.
set -euo pipefail

if [ "$#" -ne 4 ]; then
  echo "usage: coder-home <volume id> <attachment device name> <mount point> <owner>" >&2
  exit 2
fi
volume_id=$1
attach_name=$2
mount_point=$3
owner=$4
timeout=${CODER_HOME_TIMEOUT:-900}
serial=${volume_id//-/}

# Prints the block device of the volume, or fails when it is not attached (yet).
find_volume() {
  local link="/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${serial}"
  if [ -b "$link" ]; then
    readlink -f "$link"
    return 0
  fi
  # Before udev has made the link: the controller's serial in sysfs.
  local block
  for block in /sys/block/nvme*n*; do
    [ -r "$block/device/serial" ] || continue
    if [ "$(tr -d '[:space:]' <"$block/device/serial")" = "$serial" ]; then
      echo "/dev/${block##*/}"
      return 0
    fi
  done
  # Xen instances (p3) have no NVMe devices: there the attachment name holds, /dev/sdh appearing as /dev/xvdh.
  local xen="/dev/xvd${attach_name#/dev/sd}"
  if ! compgen -G '/sys/block/nvme*' >/dev/null && [ -b "$xen" ]; then
    echo "$xen"
    return 0
  fi
  return 1
}

deadline=$((SECONDS + timeout))
until device=$(find_volume); do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "coder-home: EBS volume ${volume_id} is not attached after ${timeout}s; the agent stays stopped" >&2
    exit 1
  fi
  sleep 2
done
echo "coder-home: EBS volume ${volume_id} is ${device}"

if mountpoint -q "$mount_point"; then
  echo "coder-home: ${mount_point} is already mounted"
  exit 0
fi

fresh=false
probe=0
blkid -p "$device" >/dev/null 2>&1 || probe=$?
case "$probe" in
  0) echo "coder-home: ${device} already has a filesystem; keeping it" ;;
  2)
    echo "coder-home: ${device} is empty; creating ext4"
    mkfs.ext4 -q -L coder-home "$device"
    fresh=true
    ;;
  *)
    echo "coder-home: blkid could not identify ${device} (exit ${probe}); not formatting it" >&2
    exit 1
    ;;
esac

mkdir -p "$mount_point"
mount -o defaults,noatime "$device" "$mount_point"
if [ "$fresh" = true ]; then
  cp -a /etc/skel/. "$mount_point/"
  chown -R "$owner:$owner" "$mount_point"
else
  chown "$owner:$owner" "$mount_point"
fi
echo "coder-home: ${device} mounted on ${mount_point}"
