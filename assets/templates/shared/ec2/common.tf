# Shared by every EC2 base (listed under sharedModule in its base.yaml); the composer copies it into the
# composed template's base/ folder. Per-base values come from the base's own locals platform and os.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60.0, < 7.0.0"
    }
  }
}

locals {
  persistent = lookup(var.capabilities, "persistent-home", "true") == "true"
  egress     = lookup(var.capabilities, "network-egress", "https-only")
  # The name the home volume is attached under. Inside the instance only Xen types keep it (as /dev/xvdh);
  # Nitro types show NVMe names in discovery order, so the bases find the volume by its id instead.
  home_device = "/dev/sdh"
  tags        = merge({ for k, v in var.labels : replace(k, "/[^a-zA-Z0-9 _.:/=+@-]/", "-") => v }, { Name = local.safe_name })
}

# Workspace subnets come from Day 0's network stack: its stacks carry the tag Project=<deployment> and
# CDK tags each subnet with its subnet group (aws-cdk:subnet-name = the tier name of network.subnets).
data "aws_subnets" "workspace" {
  filter {
    name   = "tag:Project"
    values = [var.settings["deployment"]]
  }
  filter {
    name   = "tag:aws-cdk:subnet-name"
    values = [var.settings["subnet_tier"]]
  }
}

data "aws_subnet" "selected" {
  id = sort(data.aws_subnets.workspace.ids)[0]
}

data "aws_vpc" "selected" {
  id = data.aws_subnet.selected.vpc_id
}

resource "aws_security_group" "workspace" {
  name_prefix = "${local.safe_name}-"
  description = "Coder workspace ${var.workspace_name} of ${var.owner}: no inbound, egress per capability"
  vpc_id      = data.aws_subnet.selected.vpc_id
  tags        = local.tags

  dynamic "egress" {
    for_each = local.egress == "unrestricted" ? [0] : []
    content {
      description = "all egress (network-egress = unrestricted)"
      from_port   = 0
      to_port     = 0
      protocol    = "-1"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }

  dynamic "egress" {
    for_each = local.egress == "https-only" ? [443] : []
    content {
      description = "HTTPS egress (network-egress = https-only): Coder agent and package mirrors"
      from_port   = egress.value
      to_port     = egress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }

  egress {
    description = "DNS inside the VPC"
    from_port   = 53
    to_port     = 53
    protocol    = "udp"
    cidr_blocks = [data.aws_vpc.selected.cidr_block]
  }

  lifecycle {
    create_before_destroy = true
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

# Under /coder-platform/<deployment>/: the provisioner's role may create, pass and delete roles only on that
# path (assets/cdk/lib/common.ts workspaceIamPath). Every resource here carries the provider's default tag
# coder-platform/deployment, which the provisioner's IAM conditions require.
resource "aws_iam_role" "workspace" {
  name_prefix        = substr("${local.safe_name}-", 0, 38)
  path               = "/coder-platform/${var.settings["deployment"]}/"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = local.tags
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.workspace.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

data "aws_partition" "current" {}

resource "aws_iam_instance_profile" "workspace" {
  name_prefix = substr("${local.safe_name}-", 0, 38)
  path        = "/coder-platform/${var.settings["deployment"]}/"
  role        = aws_iam_role.workspace.name
  tags        = local.tags
}

resource "aws_ebs_volume" "home" {
  count             = local.persistent ? 1 : 0
  availability_zone = data.aws_subnet.selected.availability_zone
  size              = local.storage_gib
  type              = "gp3"
  encrypted         = true
  tags              = merge(local.tags, { Name = "${local.safe_name}-home" })

  lifecycle {
    ignore_changes = [size]
  }
}

resource "aws_volume_attachment" "home" {
  count                          = local.persistent ? 1 : 0
  device_name                    = local.home_device
  volume_id                      = aws_ebs_volume.home[0].id
  instance_id                    = aws_instance.workspace.id
  stop_instance_before_detaching = true
}

resource "aws_ec2_instance_state" "workspace" {
  instance_id = aws_instance.workspace.id
  state       = var.start_count == 1 ? "running" : "stopped"
}

output "agent_endpoint" {
  value = "ec2://${aws_instance.workspace.id}"
}

output "volume_mounts" {
  value = local.persistent ? [{ path = local.home_path, type = "ebs", size = var.compute_profile.storage, storage_class = "gp3" }] : []
}

output "metadata" {
  value = {
    platform          = local.platform
    os                = local.os
    arch              = "amd64"
    toolchain_version = lookup(var.labels, "coder.toolchain.version", "")
    base_version      = lookup(var.labels, "coder.base.version", "")
    image_digest      = ""
    ami_id            = aws_instance.workspace.ami
    provisioned_at    = timestamp()
  }
}
