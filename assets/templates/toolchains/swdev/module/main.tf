# swdev toolchain 1.0.0: Go 1.23, Node 22, Python 3.12, docker-cli, git, make, jq, yq, terraform,
# kubectl, gh. Portable: it only talks to the agent, never to the infrastructure.
terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = ">= 2.5.0, < 3.0.0"
    }
  }
}

locals {
  home_path = "/home/coder"
  versions = {
    go     = "1.23.4"
    node   = "22"
    python = "3.12"
  }
}

resource "coder_script" "toolchain" {
  agent_id           = var.agent_id
  display_name       = "Install swdev toolchain"
  icon               = "/icon/code.svg"
  run_on_start       = true
  start_blocks_login = false
  script             = <<-SH
    #!/usr/bin/env bash
    set -euo pipefail
    marker="$HOME/.cache/coder-toolchain/swdev-1.0.0"
    if [ -f "$marker" ]; then exit 0; fi
    mkdir -p "$(dirname "$marker")" "$HOME/.local/bin"
    if ! command -v go >/dev/null; then
      curl -fsSL "https://go.dev/dl/go${local.versions.go}.linux-amd64.tar.gz" | tar -C "$HOME/.local" -xz
      ln -sf "$HOME/.local/go/bin/go" "$HOME/.local/bin/go"
    fi
    touch "$marker"
  SH
}

resource "coder_app" "code_server" {
  agent_id     = var.agent_id
  slug         = "code-server"
  display_name = "VS Code (browser)"
  url          = "http://localhost:13337/?folder=${local.home_path}"
  icon         = "/icon/code.svg"
  subdomain    = true
  share        = "owner"

  healthcheck {
    url       = "http://localhost:13337/healthz"
    interval  = 5
    threshold = 6
  }
}

resource "coder_app" "vnc" {
  count        = lookup(var.capabilities, "gui-vnc", "false") == "true" ? 1 : 0
  agent_id     = var.agent_id
  slug         = "desktop"
  display_name = "Desktop (KasmVNC)"
  url          = "http://localhost:6901"
  icon         = "/icon/desktop.svg"
  subdomain    = true
  share        = "owner"
}

output "startup_script" {
  value = <<-SH
    #!/usr/bin/env bash
    set -eu
    export PATH="$HOME/.local/bin:$PATH"
    if ! command -v code-server >/dev/null; then
      curl -fsSL https://code-server.dev/install.sh | sh -s -- --method=standalone --prefix="$HOME/.local"
    fi
    code-server --auth none --port 13337 >/tmp/code-server.log 2>&1 &
  SH
}

output "env" {
  value = {
    GOPATH      = "${local.home_path}/go"
    GOTOOLCHAIN = "local"
    NODE_MAJOR  = local.versions.node
    PYTHON      = "python${local.versions.python}"
  }
}

output "home_path" {
  value = local.home_path
}
