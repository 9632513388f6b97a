variable "v" { default = "        lots of leading space in the value" }
output "s" {
  value = <<-EOT
    line: ${var.v}
      next
        EOT  
}
    