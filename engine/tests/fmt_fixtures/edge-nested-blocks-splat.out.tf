resource "a" "b" {
  count = 2

  dynamic "x" {
    for_each = var.y
    content {
      z = x.value
    }
  }
  lifecycle { ignore_changes = [tags] }
}
output "o" { value = aws_instance.web.*.id }
