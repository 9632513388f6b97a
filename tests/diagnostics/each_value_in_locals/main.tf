locals {
  v = each.value
}
