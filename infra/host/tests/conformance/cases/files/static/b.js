not a css file
