# datasci toolchain 1.0.0: Python 3.12, R 4.x, Jupyter (with the R kernel), scikit-learn, pandas, PyTorch; CUDA
# builds and TensorFlow when gpu-support is on (install.sh.tftpl, checked against toolchain.yaml). Uses the
# artifact cache for package downloads.
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
  # install.sh.tftpl installs and then verifies what toolchain.yaml lists; the GPU variant adds CUDA builds.
  install_script = templatefile("${path.module}/install.sh.tftpl", { version = "1.0.0", python = "3.12", gpu = local.gpu })
  startup_script = templatefile("${path.module}/startup.sh.tftpl", { port = 8888, wait_minutes = 45 })
}

resource "coder_script" "toolchain" {
  agent_id     = var.agent_id
  display_name = "Install datasci toolchain"
  icon         = "/icon/jupyter.svg"
  run_on_start = true
  script       = local.install_script
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
  value = local.startup_script
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
