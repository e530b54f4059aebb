import Testing

@Test func placeholder_PacketLayer() { #expect(Bool(true)) }
