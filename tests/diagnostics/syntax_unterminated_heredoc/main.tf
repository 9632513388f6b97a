locals {
  script = <<-EOT
    echo hello
    echo world
}

output "s" {
  value = local.script
}
