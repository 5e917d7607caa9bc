# Root-level provider configuration for base-k8s: the provisioner runs in the cluster and uses its
# service account (in-cluster configuration).
terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = ">= 2.5.0, < 3.0.0"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.30.0, < 3.0.0"
    }
  }
}

provider "kubernetes" {}
