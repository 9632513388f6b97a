resource "a" "b\"q" {}
resource "a" "b\u00e9" {}
resource "a" "x$${y}" {}
resource "a" "" {}
