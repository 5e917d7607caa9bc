# swdev toolchain 1.0.0: Go 1.23, Node 22, Python 3.12, docker-cli, git, make, jq, yq, terraform,
# kubectl, gh (install.sh.tftpl, checked against toolchain.yaml) and code-server (startup.sh.tftpl).
# Portable: it only talks to the agent, never to the infrastructure.
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
  # Pinned versions (toolchain.yaml lists what is installed; install.sh.tftpl installs and then verifies it).
  versions = {
    go        = "1.23.4"
    node      = "22.12.0"
    python    = "3.12"
    uv        = "0.5.11"
    docker    = "27.4.1"
    yq        = "4.44.6"
    terraform = "1.10.3"
    kubectl   = "1.34.1"
    gh        = "2.63.2"
  }
  install_script = templatefile("${path.module}/install.sh.tftpl", { version = "1.0.0", versions = local.versions })
  startup_script = templatefile("${path.module}/startup.sh.tftpl", { port = 13337 })
}

resource "coder_script" "toolchain" {
  agent_id           = var.agent_id
  display_name       = "Install swdev toolchain"
  icon               = "/icon/code.svg"
  run_on_start       = true
  start_blocks_login = false
  script             = local.install_script
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
  value = local.startup_script
}

output "env" {
  value = {
    GOPATH      = "${local.home_path}/go"
    GOTOOLCHAIN = "local"
    NODE_MAJOR  = split(".", local.versions.node)[0]
    PYTHON      = "python${local.versions.python}"
  }
}

output "home_path" {
  value = local.home_path
}
