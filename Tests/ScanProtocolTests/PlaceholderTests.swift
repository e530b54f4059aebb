import Testing

@Test func placeholder_ScanProtocolTests() { #expect(Bool(true)) }
