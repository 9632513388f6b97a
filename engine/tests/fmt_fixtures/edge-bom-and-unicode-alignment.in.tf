a = 1
b = "é"   # x
ccc = "ab" # y
