data "aws_ami" "default" {
  most_recent = true
  owners      = ["amazon"]
  filter {
    name   = "name"
    values = ["Windows_Server-2022-English-Full-Base-*"]
  }
}

locals {
  platform  = "ec2-windows"
  os        = "windows"
  home_path = "D:\\Users\\coder"
  rdp       = lookup(var.capabilities, "gui-rdp", "false") == "true"
  user_data = <<-PS
    <powershell>
    $ErrorActionPreference = "Stop"
    $disk = Get-Disk | Where-Object PartitionStyle -Eq 'RAW' | Select-Object -First 1
    if ($disk) { $disk | Initialize-Disk -PartitionStyle GPT -PassThru | New-Partition -DriveLetter D -UseMaximumSize | Format-Volume -FileSystem NTFS -NewFileSystemLabel home -Confirm:$false }
    New-Item -ItemType Directory -Force -Path "${local.home_path}" | Out-Null
    %{if local.rdp}
    Set-ItemProperty -Path 'HKLM:\System\CurrentControlSet\Control\Terminal Server' -Name fDenyTSConnections -Value 0
    Enable-NetFirewallRule -DisplayGroup "Remote Desktop"
    %{endif}
    $env:CODER_AGENT_TOKEN = "${var.agent_token}"
    [System.Environment]::SetEnvironmentVariable("CODER_AGENT_TOKEN", "${var.agent_token}", "Machine")
    ${var.agent_init_script}
    </powershell>
    <persist>true</persist>
  PS
}

resource "aws_instance" "workspace" {
  ami                         = var.image_id != "" ? var.image_id : data.aws_ami.default.id
  instance_type               = var.compute_profile.instance_type
  subnet_id                   = data.aws_subnet.selected.id
  vpc_security_group_ids      = [aws_security_group.workspace.id]
  iam_instance_profile        = aws_iam_instance_profile.workspace.name
  user_data                   = local.user_data
  user_data_replace_on_change = false
  get_password_data           = false
  tags                        = local.tags

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type = "gp3"
    volume_size = 100
    encrypted   = true
  }

  lifecycle {
    ignore_changes = [ami, user_data]
  }
}

output "runtime_env" {
  value = {
    CODER_PLATFORM = local.platform
    USERPROFILE    = local.home_path
  }
}
