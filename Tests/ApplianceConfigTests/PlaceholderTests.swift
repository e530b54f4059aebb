import Testing

@Test func placeholder_ApplianceConfigTests() { #expect(Bool(true)) }
