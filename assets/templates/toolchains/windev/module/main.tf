# windev toolchain 1.0.0: C# / .NET 8, Visual Studio 2022 Build Tools, PowerShell 7, Git, Azure CLI
# (install.ps1.tftpl, checked against toolchain.yaml); used through Coder's RDP forwarding (gui-rdp).
terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = ">= 2.5.0, < 3.0.0"
    }
  }
}

locals {
  home_path = "D:\\Users\\coder"
  versions = {
    dotnet     = "8"
    powershell = "7.4.6"
    git        = "2.47.1"
  }
  # install.ps1.tftpl installs and then verifies what toolchain.yaml lists, with installers present on the AMI.
  install_script = templatefile("${path.module}/install.ps1.tftpl", { version = "1.0.0", versions = local.versions })
}

resource "coder_script" "toolchain" {
  agent_id     = var.agent_id
  display_name = "Install windev toolchain"
  icon         = "/icon/windows.svg"
  run_on_start = true
  script       = local.install_script
}

resource "coder_app" "rdp" {
  count        = lookup(var.capabilities, "gui-rdp", "false") == "true" ? 1 : 0
  agent_id     = var.agent_id
  slug         = "rdp-docs"
  display_name = "Connect with RDP"
  url          = "https://coder.com/docs/user-guides/workspace-access/remote-desktops"
  icon         = "/icon/desktop.svg"
  external     = true
}

output "startup_script" {
  value = "Write-Output 'windev toolchain ready'"
}

output "env" {
  value = {
    DOTNET_CLI_TELEMETRY_OPTOUT = "1"
    DOTNET_VERSION              = local.versions.dotnet
  }
}

output "home_path" {
  value = local.home_path
}
