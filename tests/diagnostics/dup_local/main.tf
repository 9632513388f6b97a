locals {
  region = "us-east-1"
}

locals {
  region = "eu-west-1"
}
