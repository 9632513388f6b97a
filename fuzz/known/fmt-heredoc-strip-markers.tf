variable "debug" { default = false }
output "s" {
  value = <<-EOT
    a
    %{~ if var.debug ~}
    debug
    %{~ else ~}
    nodebug
  g" { default = false }
output "s" {
  value = <<-EOT
    a
    %{~ if var.debug ~}
    debug
    %{~ else ~}
    nodebug
    %{~ endif ~}
    b
  EOT
}  %{~ endif ~}
    b
  EOT
}
