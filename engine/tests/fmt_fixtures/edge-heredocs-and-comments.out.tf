x         = <<EOT
  hello ${var.a}
    %{if true}yes%{endif}
  EOT
y         = 1
z         = <<-EOF
    indented
    EOF
long_name = 2 # comment
q         = 3 # c2

/* block
  comment */
w = 4
