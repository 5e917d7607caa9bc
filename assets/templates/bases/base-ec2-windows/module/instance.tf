data "aws_ami" "default" {
  most_recent = true
  owners      = ["amazon"]
  filter {
    name   = "name"
    values = ["Windows_Server-2022-English-Full-Base-*"]
  }
}

locals {
  platform = "ec2-windows"
  os       = "windows"
  # The home volume is D: when persistent-home is on; without it home stays on the root volume.
  home_path = local.persistent ? "D:\\Users\\coder" : "C:\\Users\\coder"
  rdp       = lookup(var.capabilities, "gui-rdp", "false") == "true"
  # An EBS volume's disk carries its id without the dash as serial number (SerialNumber, or AdapterSerialNumber on
  # some drivers). The volume is attached only after the instance runs, so the first boot waits for it; it is
  # initialised and formatted only while it is RAW (no partition table), and gets drive letter D: on every boot.
  home_serial = local.persistent ? replace(aws_ebs_volume.home[0].id, "-", "") : ""
  user_data   = <<-PS
    <powershell>
    $ErrorActionPreference = "Stop"
    $serial = "${local.home_serial}"
    if ($serial -ne "") {
      $deadline = (Get-Date).AddMinutes(15)
      while (-not ($disk = Get-Disk | Where-Object { "$($_.SerialNumber)|$($_.AdapterSerialNumber)" -like "*$serial*" } | Select-Object -First 1)) {
        if ((Get-Date) -gt $deadline) { throw "EBS home volume $serial is not attached after 15 minutes" }
        Start-Sleep -Seconds 5
        Update-HostStorageCache
      }
      if ($disk.IsOffline) { $disk | Set-Disk -IsOffline $false }
      if ($disk.IsReadOnly) { $disk | Set-Disk -IsReadOnly $false }
      if ($disk.PartitionStyle -eq "RAW") {
        $disk | Initialize-Disk -PartitionStyle GPT -PassThru | New-Partition -DriveLetter D -UseMaximumSize | Format-Volume -FileSystem NTFS -NewFileSystemLabel coder-home -Confirm:$false | Out-Null
      } else {
        $part = $disk | Get-Partition | Where-Object Type -Eq "Basic" | Select-Object -First 1
        if (-not $part) { throw "EBS home volume $serial has a partition table but no data partition; not touching it" }
        if ($part.DriveLetter -ne "D") { $part | Set-Partition -NewDriveLetter D }
      }
    }
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
