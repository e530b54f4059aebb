import Testing

@Test func placeholder_ControlPlaneTests() { #expect(Bool(true)) }
