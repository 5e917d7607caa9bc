variable "agent_id" {
  type = string
}

variable "owner" {
  type = string
}

variable "capabilities" {
  type = map(string)
}
