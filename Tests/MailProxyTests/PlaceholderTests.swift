import Testing

@Test func placeholder_MailProxy() { #expect(Bool(true)) }
