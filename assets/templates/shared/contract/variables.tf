# Base contract 1.0 inputs, shared by every base (listed under sharedModule in its base.yaml; see
# assets/templates/contract/capabilities.yaml). The composer copies it into the composed base/ folder.
variable "workspace_name" {
  type = string
}

variable "workspace_id" {
  type = string
}

variable "owner" {
  type = string
}

variable "compute_profile" {
  type = object({
    cpu           = number
    memory        = string
    storage       = string
    gpu_count     = number
    gpu_type      = string
    instance_type = string
  })

  validation {
    condition     = var.compute_profile.cpu >= 1 && var.compute_profile.cpu <= 64
    error_message = "compute_profile.cpu must be between 1 and 64."
  }

  validation {
    condition     = can(regex("^[0-9]+[KMGT]i$", var.compute_profile.memory)) && can(regex("^[0-9]+[KMGT]i$", var.compute_profile.storage))
    error_message = "compute_profile.memory and storage must look like 8Gi."
  }

  validation {
    condition     = var.compute_profile.gpu_count >= 0 && var.compute_profile.gpu_count <= 8
    error_message = "compute_profile.gpu_count must be between 0 and 8."
  }
}

variable "image_id" {
  type    = string
  default = ""
}

variable "start_count" {
  type = number
}

variable "agent_init_script" {
  type = string
}

variable "agent_token" {
  type      = string
  sensitive = true
}

variable "capabilities" {
  type = map(string)
}

variable "labels" {
  type = map(string)
}

variable "settings" {
  type = map(string)
}

locals {
  storage_gib = (
    endswith(var.compute_profile.storage, "Ti") ? tonumber(trimsuffix(var.compute_profile.storage, "Ti")) * 1024 :
    endswith(var.compute_profile.storage, "Gi") ? tonumber(trimsuffix(var.compute_profile.storage, "Gi")) :
    1
  )
  safe_name = substr(lower(replace("coder-${var.owner}-${var.workspace_name}", "/[^a-zA-Z0-9-]/", "-")), 0, 63)
}
