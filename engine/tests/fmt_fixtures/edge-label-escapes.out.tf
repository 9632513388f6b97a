resource "a" "b\"q" {}
resource "a" "bé" {}
resource "a" {}
resource "a" "" {}
