import Testing

@Test func placeholder_ScanEnginesTests() { #expect(Bool(true)) }
