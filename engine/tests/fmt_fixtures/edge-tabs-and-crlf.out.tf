a   = 1
bbb = 2
# comment
cc = [
  1,
  2
]
