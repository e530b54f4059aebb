import Testing

@Test func placeholder_ScanClientTests() { #expect(Bool(true)) }
