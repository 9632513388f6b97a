x = [for a in [1, 2] : a * 2 if a > 1]
y = { for k, v in m : k => v... }
z = a[*].b
w = a.*.b
v = -1
u = 1 - -2
t = !true
s = a ? b : c
r = f(a...)
q = { a = 1, b : 2 }
p = a[0][1]
o = a.0
n = (1 + 2) * 3 % 4 / 5
m = a == b && c != d || e >= f
