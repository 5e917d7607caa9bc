# datasci toolchain 1.0.0: Python 3.12, R 4.x, Jupyter, scikit-learn, pandas; CUDA, PyTorch and
# TensorFlow when gpu-support is on. Uses the artifact cache for package downloads.
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
  gpu       = lookup(var.capabilities, "gpu-support", "false") == "true"
  cache     = lookup(var.capabilities, "artifact-cache", "false") == "true"
  packages  = concat(["jupyterlab", "scikit-learn", "pandas", "numpy", "matplotlib"], local.gpu ? ["torch", "tensorflow[and-cuda]"] : ["torch --index-url https://download.pytorch.org/whl/cpu"])
}

resource "coder_script" "toolchain" {
  agent_id     = var.agent_id
  display_name = "Install datasci toolchain"
  icon         = "/icon/jupyter.svg"
  run_on_start = true
  script       = <<-SH
    #!/usr/bin/env bash
    set -euo pipefail
    marker="$HOME/.cache/coder-toolchain/datasci-1.0.0"
    if [ -f "$marker" ]; then exit 0; fi
    mkdir -p "$(dirname "$marker")"
    python3 -m venv "$HOME/.venv"
    %{for p in local.packages~}
    "$HOME/.venv/bin/pip" install ${p}
    %{endfor~}
    touch "$marker"
  SH
}

resource "coder_app" "jupyter" {
  agent_id     = var.agent_id
  slug         = "jupyter"
  display_name = "JupyterLab"
  url          = "http://localhost:8888"
  icon         = "/icon/jupyter.svg"
  subdomain    = true
  share        = "owner"

  healthcheck {
    url       = "http://localhost:8888/api"
    interval  = 10
    threshold = 10
  }
}

output "startup_script" {
  value = <<-SH
    #!/usr/bin/env bash
    set -eu
    until [ -x "$HOME/.venv/bin/jupyter" ]; do sleep 5; done
    "$HOME/.venv/bin/jupyter" lab --no-browser --ServerApp.token='' --ServerApp.ip=127.0.0.1 --port 8888 >/tmp/jupyter.log 2>&1 &
  SH
}

output "env" {
  value = merge(
    { VIRTUAL_ENV = "${local.home_path}/.venv", PIP_DISABLE_PIP_VERSION_CHECK = "1" },
    local.cache ? { PIP_CACHE_DIR = "${local.home_path}/.cache/pip" } : {},
    local.gpu ? { CUDA_VISIBLE_DEVICES = "all" } : {},
  )
}

output "home_path" {
  value = local.home_path
}
