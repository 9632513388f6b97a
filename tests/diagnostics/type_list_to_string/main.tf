resource "terraform_data" "d" {
  input = "x"
}

resource "random_string" "s" {
  length           = 8
  override_special = ["!", "@"]
}
