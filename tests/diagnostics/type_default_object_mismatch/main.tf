variable "settings" {
  type = object({
    name = string
    size = number
  })
  default = {
    name = "a"
  }
}

output "s" {
  value = var.settings
}
