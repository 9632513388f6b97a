variable "name" {
  type = string
  validation {
    condition     = length(var.name) <= 32
    error_message = "The service name must be at most 32 characters."
  }
}

variable "replicas" {
  type = number
}

variable "public" {
  type    = bool
  default = false
}

resource "random_id" "suffix" {
  byte_length = 3
  keepers     = { name = var.name }
}

resource "null_resource" "replica" {
  count = var.replicas
  triggers = {
    name  = "${var.name}-${random_id.suffix.hex}-${count.index}"
    scope = var.public ? "public" : "internal"
  }
}

output "endpoint" {
  value = "${var.public ? "https" : "internal"}://${var.name}-${random_id.suffix.hex}"
}
