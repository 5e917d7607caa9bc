# Root-level provider configuration for EC2 bases: the provisioner's IAM role (IRSA) supplies credentials.
terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = ">= 2.5.0, < 3.0.0"
    }
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60.0, < 7.0.0"
    }
  }
}

provider "aws" {
  region = local.composition.settings["region"]
  default_tags {
    tags = {
      "coder-platform/deployment" = local.composition.settings["deployment"]
      "coder-platform/template"   = local.composition.template
    }
  }
}
