variable "name" { default = "world" }
output "s" {
  value = <<-EOT
Hello, ${var.name}!
    Sum: ${1 + 2}
        Literal: $${not_interpolated}
EOT	
}
  