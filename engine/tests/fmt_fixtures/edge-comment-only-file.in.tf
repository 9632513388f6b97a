  

# only comment