variable "names" {
  type      = set(string)
  sensitive = true
  default   = ["alpha-canary"]
}

resource "null_resource" "a" {
  for_each = var.names
}
