# Root module of every composed template. `composition.tf.json` (written by coder-platform when it
# composes the template) defines local.composition: toolchain, base, capabilities, compute profiles,
# override env and labels, and base settings. ./toolchain and ./base are the two layers.
# required_providers (coder + the base's provider) live in providers.tf, which comes from the base:
# a module may declare them only once.

data "coder_provisioner" "me" {}
data "coder_workspace" "me" {}
data "coder_workspace_owner" "me" {}

data "coder_parameter" "compute_profile" {
  name         = "compute_profile"
  display_name = "Compute profile"
  description  = "CPU, memory and storage of the workspace."
  type         = "string"
  default      = local.composition.default_profile
  mutable      = true
  order        = 1

  dynamic "option" {
    for_each = local.composition.profiles
    content {
      name        = option.key
      value       = option.key
      description = "${option.value.cpu} vCPU, ${option.value.memory} memory, ${option.value.storage} storage"
    }
  }
}

data "coder_parameter" "image_id" {
  name         = "image_id"
  display_name = "Image"
  description  = "Container image or AMI id; empty uses the base's default."
  type         = "string"
  default      = local.composition.default_image
  mutable      = false
  order        = 2
}

locals {
  profile = local.composition.profiles[data.coder_parameter.compute_profile.value]
  provenance_env = {
    CODER_TOOLCHAIN         = local.composition.toolchain.name
    CODER_TOOLCHAIN_VERSION = local.composition.toolchain.version
    CODER_BASE              = local.composition.base.name
    CODER_BASE_VERSION      = local.composition.base.version
  }
  labels = merge(local.composition.labels, {
    "coder.toolchain.name"    = local.composition.toolchain.name
    "coder.toolchain.version" = local.composition.toolchain.version
    "coder.base.name"         = local.composition.base.name
    "coder.base.version"      = local.composition.base.version
    "coder.owner"             = data.coder_workspace_owner.me.name
    "coder.workspace"         = data.coder_workspace.me.name
  })
}

resource "coder_agent" "main" {
  arch           = local.composition.base.arch
  os             = local.composition.base.os
  startup_script = module.toolchain.startup_script
  env            = merge(module.toolchain.env, module.base.runtime_env, local.composition.env, local.provenance_env)

  metadata {
    display_name = "CPU usage"
    key          = "cpu"
    script       = "coder stat cpu"
    interval     = 10
    timeout      = 1
  }

  metadata {
    display_name = "Memory usage"
    key          = "memory"
    script       = "coder stat mem"
    interval     = 10
    timeout      = 1
  }

  metadata {
    display_name = "Home disk"
    key          = "home"
    script       = "coder stat disk --path ${module.toolchain.home_path}"
    interval     = 60
    timeout      = 1
  }
}

module "toolchain" {
  source       = "./toolchain"
  agent_id     = coder_agent.main.id
  owner        = data.coder_workspace_owner.me.name
  capabilities = local.composition.capabilities
}

module "base" {
  source            = "./base"
  workspace_name    = data.coder_workspace.me.name
  workspace_id      = data.coder_workspace.me.id
  owner             = data.coder_workspace_owner.me.name
  compute_profile   = local.profile
  image_id          = data.coder_parameter.image_id.value
  start_count       = data.coder_workspace.me.start_count
  agent_init_script = coder_agent.main.init_script
  agent_token       = coder_agent.main.token
  capabilities      = local.composition.capabilities
  labels            = local.labels
  settings          = local.composition.settings
}

resource "coder_metadata" "workspace" {
  count       = data.coder_workspace.me.start_count
  resource_id = coder_agent.main.id

  item {
    key   = "compute profile"
    value = data.coder_parameter.compute_profile.value
  }
  item {
    key   = "platform"
    value = module.base.metadata.platform
  }
  item {
    key   = "agent endpoint"
    value = module.base.agent_endpoint
  }
  item {
    key   = "toolchain"
    value = "${local.composition.toolchain.name} ${local.composition.toolchain.version}"
  }
}
