a = {
  b = 1
  cc = 2
  # x
  ddd = 3

  e = {
    f = 1
  }
  gggg = 4
}
list = [
  "a", # one
  "bb",  # two
]
