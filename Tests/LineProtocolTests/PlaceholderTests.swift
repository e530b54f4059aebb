import Testing

@Test func placeholder_LineProtocol() { #expect(Bool(true)) }
