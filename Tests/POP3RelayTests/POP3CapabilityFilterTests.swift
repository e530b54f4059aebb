import NIOCore
import Testing
@testable import POP3Relay

@Test func capabilityFilterRemovesTagsCaseInsensitivelyAndKeepsParameters() {
    let out = POP3CapabilityFilter.filter(ByteBuffer(string: "USER\r\nstls\r\nPIPELINING\r\nSASL PLAIN\r\n.odd\r\n"), removing: POP3CapabilityFilter.removedByDefault)
    #expect(out.string == "USER\r\nSASL PLAIN\r\n..odd\r\n.\r\n")
}
