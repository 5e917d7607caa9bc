data "aws_ami" "default" {
  most_recent = true
  owners      = ["amazon"]
  filter {
    name   = "name"
    values = ["Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04)*"]
  }
  filter {
    name   = "architecture"
    values = ["x86_64"]
  }
}

locals {
  platform = "ec2-gpu"
  os       = "linux"
}

# GPU families this base accepts (g4dn: T4, g5: A10G, p3: V100, p4d: A100).
locals {
  gpu_families = { g4dn = "nvidia-t4", g5 = "a10g", p3 = "v100", p4d = "a100" }
  family       = split(".", var.compute_profile.instance_type)[0]
}

resource "terraform_data" "gpu_instance_check" {
  input = var.compute_profile.instance_type
  lifecycle {
    precondition {
      condition     = contains(keys(local.gpu_families), local.family)
      error_message = "base-ec2-gpu needs a GPU instance type (g4dn, g5, p3 or p4d), got ${var.compute_profile.instance_type}."
    }
  }
}

output "runtime_env" {
  value = {
    CODER_PLATFORM         = local.platform
    HOME                   = local.home_path
    NVIDIA_VISIBLE_DEVICES = "all"
    CODER_GPU_TYPE         = lookup(local.gpu_families, local.family, "")
  }
}
