resource "null_resource" "a" {
  triggers = {
    k = each.key
  }
}
