output "x" {
  value = upper(["a", "b"])
}
