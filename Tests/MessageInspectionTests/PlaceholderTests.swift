import Testing

@Test func placeholder_MessageInspection() { #expect(Bool(true)) }
