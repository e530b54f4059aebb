import Testing

@Test func placeholder_SMTPRelay() { #expect(Bool(true)) }
