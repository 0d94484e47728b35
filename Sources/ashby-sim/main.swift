print("ashby-sim: not built yet")
