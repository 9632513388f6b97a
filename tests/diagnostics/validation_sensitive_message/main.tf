variable "api_key" {
  type      = string
  sensitive = true
  default   = "short-canary"

  validation {
    condition     = length(var.api_key) > 20
    error_message = "The key ${var.api_key} is too short."
  }
}
