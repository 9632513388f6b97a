blk {
  a = [
    1,
  ]
  bb = 2
  ccc = {
  }
  d = 4
}
