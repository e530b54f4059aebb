import Testing

@Test func placeholder_POP3Relay() { #expect(Bool(true)) }
