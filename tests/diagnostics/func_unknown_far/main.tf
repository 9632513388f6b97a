output "n" {
  value = frobnicate(1)
}
