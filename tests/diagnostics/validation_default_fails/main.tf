variable "size" {
  type    = number
  default = 100

  validation {
    condition     = var.size <= 10
    error_message = "The size must be at most 10."
  }
}
