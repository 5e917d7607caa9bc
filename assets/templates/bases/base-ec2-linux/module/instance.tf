data "aws_ami" "default" {
  most_recent = true
  owners      = ["099720109477"]
  filter {
    name   = "name"
    values = ["ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"]
  }
  filter {
    name   = "architecture"
    values = ["x86_64"]
  }
}

locals {
  platform = "ec2-linux"
  os       = "linux"
}

output "runtime_env" {
  value = {
    CODER_PLATFORM = local.platform
    HOME           = local.home_path
  }
}
