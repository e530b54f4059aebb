// mailsec: wiring only.
print("mailsec: not built yet")
