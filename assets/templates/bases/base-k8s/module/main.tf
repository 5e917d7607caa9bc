# base-k8s: a workspace pod on the workspace node group. PVC for the home directory, a service
# account, a NetworkPolicy per the network-egress capability, requests = limits x the configured ratio.
# Every container meets Pod Security "restricted" (the namespace enforces it), and the pod carries
# safe-to-evict=false so the cluster autoscaler never removes a node under a running workspace (requests
# are far below limits, so such a node often looks under-utilised to it).
terraform {
  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.30.0, < 3.0.0"
    }
  }
}

locals {
  namespace   = var.settings["namespace"]
  memory_mib  = endswith(var.compute_profile.memory, "Gi") ? tonumber(trimsuffix(var.compute_profile.memory, "Gi")) * 1024 : tonumber(trimsuffix(var.compute_profile.memory, "Mi"))
  request_cpu = "${max(100, floor(var.compute_profile.cpu * 1000 * tonumber(var.settings["cpu_request_ratio"])))}m"
  request_mem = "${max(256, floor(local.memory_mib * tonumber(var.settings["memory_request_ratio"])))}Mi"
  persistent  = lookup(var.capabilities, "persistent-home", "true") == "true"
  gui_vnc     = lookup(var.capabilities, "gui-vnc", "false") == "true"
  egress      = lookup(var.capabilities, "network-egress", "https-only")
  image       = var.image_id != "" ? var.image_id : var.settings["default_image"]
  # Never an egress target: the VPC (nodes and their kubelets, pods, coderd, the database) and the ranges EKS
  # takes Service ClusterIPs from (the policy sees a Service's ClusterIP before it is translated to a pod).
  internal_cidrs = split(",", var.settings["internal_cidrs"])
  pod_labels = merge(var.labels, {
    "app.kubernetes.io/name"     = "coder-workspace"
    "app.kubernetes.io/instance" = local.safe_name
    "app.kubernetes.io/part-of"  = "coder"
    "com.coder.workspace.id"     = var.workspace_id
  })
}

resource "kubernetes_service_account_v1" "workspace" {
  metadata {
    name      = local.safe_name
    namespace = local.namespace
    labels    = local.pod_labels
  }
  automount_service_account_token = false
}

resource "kubernetes_persistent_volume_claim_v1" "home" {
  count = local.persistent ? 1 : 0
  metadata {
    name      = "${local.safe_name}-home"
    namespace = local.namespace
    labels    = local.pod_labels
  }
  wait_until_bound = false
  spec {
    access_modes       = ["ReadWriteOnce"]
    storage_class_name = var.settings["storage_class"] != "" ? var.settings["storage_class"] : null
    resources {
      requests = {
        storage = var.compute_profile.storage
      }
    }
  }
  lifecycle {
    ignore_changes = all
  }
}

resource "kubernetes_deployment_v1" "workspace" {
  count            = var.start_count
  wait_for_rollout = false
  metadata {
    name      = local.safe_name
    namespace = local.namespace
    labels    = local.pod_labels
  }

  spec {
    replicas = 1
    strategy {
      type = "Recreate"
    }
    selector {
      match_labels = {
        "app.kubernetes.io/instance" = local.safe_name
      }
    }
    template {
      metadata {
        labels = local.pod_labels
        annotations = {
          # the autoscaler must never evict a running workspace to remove its node
          "cluster-autoscaler.kubernetes.io/safe-to-evict" = "false"
        }
      }
      spec {
        service_account_name            = kubernetes_service_account_v1.workspace.metadata[0].name
        automount_service_account_token = false
        node_selector = {
          "coder.com/node-type" = "workspace"
        }
        toleration {
          key      = "coder-ws"
          operator = "Equal"
          value    = "true"
          effect   = "NoSchedule"
        }
        security_context {
          run_as_user     = 1000
          run_as_group    = 1000
          fs_group        = 1000
          run_as_non_root = true
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        container {
          name              = "dev"
          image             = local.image
          image_pull_policy = "IfNotPresent"
          command           = ["sh", "-c", var.agent_init_script]
          security_context {
            allow_privilege_escalation = false
            run_as_non_root            = true
            capabilities {
              drop = ["ALL"]
            }
            seccomp_profile {
              type = "RuntimeDefault"
            }
          }
          env {
            name  = "CODER_AGENT_TOKEN"
            value = var.agent_token
          }
          resources {
            requests = {
              cpu    = local.request_cpu
              memory = local.request_mem
            }
            limits = {
              cpu    = tostring(var.compute_profile.cpu)
              memory = var.compute_profile.memory
            }
          }
          dynamic "volume_mount" {
            for_each = local.persistent ? [1] : []
            content {
              name       = "home"
              mount_path = "/home/coder"
            }
          }
        }

        dynamic "container" {
          for_each = local.gui_vnc ? [1] : []
          content {
            name  = "kasmvnc"
            image = var.settings["kasmvnc_image"]
            port {
              container_port = 6901
              name           = "vnc"
            }
            security_context {
              allow_privilege_escalation = false
              run_as_non_root            = true
              run_as_user                = 1000
              capabilities {
                drop = ["ALL"]
              }
              seccomp_profile {
                type = "RuntimeDefault"
              }
            }
            resources {
              requests = {
                cpu    = "500m"
                memory = "512Mi"
              }
              limits = {
                cpu    = "2"
                memory = "2Gi"
              }
            }
          }
        }

        dynamic "volume" {
          for_each = local.persistent ? [1] : []
          content {
            name = "home"
            persistent_volume_claim {
              claim_name = kubernetes_persistent_volume_claim_v1.home[0].metadata[0].name
            }
          }
        }
      }
    }
  }
}

# Ingress only from coderd; egress to the cluster DNS and, per network-egress, to HTTPS (https-only) or
# anything (unrestricted) outside the VPC and the Service ranges. Nothing inside is reachable: other
# workspaces, coderd's ports and Services, the kubelets (10250) and the database stay closed. The agent reaches coderd through the access
# URL (the internet-facing NLB), which is outside the VPC. The namespace's default-deny policy covers any
# pod this policy does not select.
resource "kubernetes_network_policy_v1" "workspace" {
  metadata {
    name      = local.safe_name
    namespace = local.namespace
  }
  spec {
    pod_selector {
      match_labels = {
        "app.kubernetes.io/instance" = local.safe_name
      }
    }
    policy_types = ["Ingress", "Egress"]

    ingress {
      from {
        namespace_selector {
          match_labels = {
            "app.kubernetes.io/name" = "coder"
          }
        }
        pod_selector {
          match_labels = {
            "app.kubernetes.io/name" = "coder"
          }
        }
      }
    }

    egress {
      to {
        namespace_selector {
          match_labels = {
            "kubernetes.io/metadata.name" = "kube-system"
          }
        }
        pod_selector {
          match_labels = {
            "k8s-app" = "kube-dns"
          }
        }
      }
      ports {
        port     = "53"
        protocol = "UDP"
      }
      ports {
        port     = "53"
        protocol = "TCP"
      }
    }

    dynamic "egress" {
      for_each = local.egress == "https-only" ? [1] : []
      content {
        to {
          ip_block {
            cidr   = "0.0.0.0/0"
            except = local.internal_cidrs
          }
        }
        ports {
          port     = "443"
          protocol = "TCP"
        }
      }
    }

    dynamic "egress" {
      for_each = local.egress == "unrestricted" ? [1] : []
      content {
        to {
          ip_block {
            cidr   = "0.0.0.0/0"
            except = local.internal_cidrs
          }
        }
      }
    }
  }
}
