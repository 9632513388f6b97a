output "x" {
  value = length("a", "b")
}
