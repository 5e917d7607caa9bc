# windev toolchain 1.0.0: .NET 8, Visual Studio 2022 Build Tools, PowerShell 7, Git, Azure CLI;
# used through Coder's RDP forwarding (gui-rdp).
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
}

resource "coder_script" "toolchain" {
  agent_id     = var.agent_id
  display_name = "Install windev toolchain"
  icon         = "/icon/windows.svg"
  run_on_start = true
  script       = <<-PS
    $ErrorActionPreference = "Stop"
    $marker = "${local.home_path}\.coder-toolchain-windev-1.0.0"
    if (Test-Path $marker) { exit 0 }
    winget install --silent --accept-package-agreements --accept-source-agreements Microsoft.DotNet.SDK.8
    winget install --silent --accept-package-agreements --accept-source-agreements Microsoft.PowerShell
    winget install --silent --accept-package-agreements --accept-source-agreements Git.Git
    winget install --silent --accept-package-agreements --accept-source-agreements Microsoft.AzureCLI
    winget install --silent --accept-package-agreements --accept-source-agreements Microsoft.VisualStudio.2022.BuildTools
    New-Item -ItemType File -Path $marker | Out-Null
  PS
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
    DOTNET_VERSION              = "8"
  }
}

output "home_path" {
  value = local.home_path
}
