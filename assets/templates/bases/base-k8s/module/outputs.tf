output "agent_endpoint" {
  value = "pod://${local.namespace}/${local.safe_name}"
}

output "runtime_env" {
  value = {
    CODER_PLATFORM = "kubernetes"
    HOME           = "/home/coder"
  }
}

output "volume_mounts" {
  value = local.persistent ? [{ path = "/home/coder", type = "pvc", size = var.compute_profile.storage, storage_class = var.settings["storage_class"] != "" ? var.settings["storage_class"] : "default" }] : []
}

output "metadata" {
  value = {
    platform          = "kubernetes"
    os                = "linux"
    arch              = "amd64"
    toolchain_version = lookup(var.labels, "coder.toolchain.version", "")
    base_version      = lookup(var.labels, "coder.base.version", "")
    image_digest      = local.image
    ami_id            = ""
    provisioned_at    = timestamp()
  }
}
