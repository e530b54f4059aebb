import Testing

@Test func placeholder_TelemetryTests() { #expect(Bool(true)) }
