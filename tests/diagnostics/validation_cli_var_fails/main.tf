variable "name" {
  type = string

  validation {
    condition     = length(var.name) > 3
    error_message = "The name must be longer than 3 characters."
  }
}

output "name" {
  value = var.name
}
