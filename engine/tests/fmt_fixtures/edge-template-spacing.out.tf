a = { a = 1 }
b = "${x}  "
c = "pre ${a + b} post ${c}"
d = "%{for x in y}${x},%{endfor}"
e = "$${literal}"
f = x
