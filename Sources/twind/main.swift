print("twind")
