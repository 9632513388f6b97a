output "n" {
  value = parseint("zz", 10)
}
