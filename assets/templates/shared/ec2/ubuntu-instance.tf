# Shared by the Ubuntu (cloud-init) EC2 bases base-ec2-linux and base-ec2-gpu (sharedModule in base.yaml):
# the agent user, home volume mount, agent service and the instance. The AMI and platform stay per base.
locals {
  home_path = "/home/coder"
  user_data = <<-CLOUDINIT
    #cloud-config
    users:
      - name: coder
        uid: "1000"
        shell: /bin/bash
        sudo: ALL=(ALL) NOPASSWD:ALL
    bootcmd:
      - [sh, -c, "test -e /dev/nvme1n1 && (blkid /dev/nvme1n1 || mkfs.ext4 -L home /dev/nvme1n1) || true"]
    mounts:
      - [LABEL=home, /home/coder, ext4, "defaults,nofail", "0", "2"]
    write_files:
      - path: /opt/coder/init
        permissions: "0755"
        encoding: b64
        content: ${base64encode(var.agent_init_script)}
      - path: /etc/systemd/system/coder-agent.service
        permissions: "0644"
        content: |
          [Unit]
          Description=Coder Agent
          After=network-online.target
          Wants=network-online.target
          [Service]
          User=coder
          Environment=CODER_AGENT_TOKEN=${var.agent_token}
          ExecStart=/opt/coder/init
          Restart=always
          RestartSec=10
          [Install]
          WantedBy=multi-user.target
    runcmd:
      - chown coder:coder /home/coder
      - systemctl enable --now coder-agent
  CLOUDINIT
}

resource "aws_instance" "workspace" {
  ami                         = var.image_id != "" ? var.image_id : data.aws_ami.default.id
  instance_type               = var.compute_profile.instance_type
  subnet_id                   = data.aws_subnet.selected.id
  vpc_security_group_ids      = [aws_security_group.workspace.id]
  iam_instance_profile        = aws_iam_instance_profile.workspace.name
  user_data_base64            = base64gzip(local.user_data)
  user_data_replace_on_change = false
  tags                        = local.tags

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type = "gp3"
    volume_size = 50
    encrypted   = true
  }

  lifecycle {
    ignore_changes = [ami, user_data_base64]
  }
}
