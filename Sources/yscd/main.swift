// yscd: wiring only.
print("yscd: not built yet")
