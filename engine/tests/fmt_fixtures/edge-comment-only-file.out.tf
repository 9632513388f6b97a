

# only comment