import MailProxy
import NIOCore
import Testing

/// The loop guard's view of the host's own addresses.
@Suite struct LocalAddressesTests {
    @Test func loopbackIsOwnAndADocumentationAddressIsNot() throws {
        let addresses = LocalAddresses()
        #expect(addresses.contains(try SocketAddress(ipAddress: "127.0.0.1", port: 25)))
        // 203.0.113.0/24 (TEST-NET-3) is never configured on a test machine.
        #expect(!addresses.contains(try SocketAddress(ipAddress: "203.0.113.254", port: 25)))
    }

    @Test func anUnixSocketAddressIsNeverOwn() throws {
        #expect(!LocalAddresses().contains(try SocketAddress(unixDomainSocketPath: "/nonexistent")))
    }
}
