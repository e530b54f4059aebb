// mailsecd: wiring only.
print("mailsecd: not built yet")
