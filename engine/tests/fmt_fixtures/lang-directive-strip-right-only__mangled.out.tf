variable "l" { default = ["a", "b"] }
output "s" {
  value = <<-EOT
    %{for x in var.l~}
    ${x}
    %{endfor~}
      done	
EOT 
}
