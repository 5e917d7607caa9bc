# Shared by the Ubuntu (cloud-init) EC2 bases base-ec2-linux and base-ec2-gpu (sharedModule in base.yaml):
# the cloud-init user data (agent user, home volume mount, agent service) and the instance. The AMI and
# platform stay per base.
locals {
  home_path = "/home/coder"
  # ubuntu-user-data.yaml.tftpl: the agent user, coder-home.service (finds the EBS home volume by its id, waits for the
  # attachment, formats it only when empty, mounts it) and coder-agent.service, which starts only after it.
  user_data = templatefile("${path.module}/ubuntu-user-data.yaml.tftpl", {
    agent_init_script = var.agent_init_script
    agent_token       = var.agent_token
    home_path         = local.home_path
    home_volume_id    = local.persistent ? aws_ebs_volume.home[0].id : ""
    home_device       = local.home_device
    home_script       = file("${path.module}/coder-home.sh")
  })
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
