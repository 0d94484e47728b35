print("bench: no benchmarks yet")
